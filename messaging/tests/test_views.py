"""The message pages as people see them: boundaries where they write, crisis help in the same
response, the firewall, access-log rows on every staff read, unread counts in the header and
pinned query counts."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from clients.models import AccessLog
from documents.tests.conftest import PDF, upload
from messaging.models import Message, Thread
from messaging.services import message_send
from messaging.tests.conftest import MONDAY_MORNING, SATURDAY, activate, coaching_only

pytestmark = pytest.mark.django_db


def thread_url(line="therapy"):
    return reverse("messaging:thread", args=[line])


def staff_url(client, line="therapy"):
    return reverse("messaging:clinician_thread", args=[client.public_id, line])


def test_the_url_carries_no_service_line_word(alex):
    assert "therapy" not in thread_url() and "coaching" not in thread_url("coaching")


def test_the_boundaries_are_shown_where_the_client_writes(client, alex):
    client.force_login(alex)
    page = client.get(thread_url()).content.decode()
    for words in ("Not for emergencies", 'href="tel:988"', 'href="tel:911"',
                  "within two working days", "Dana Reyes reads messages Monday to Friday, "
                  "09:00–17:00 (Chicago time)", "sent outside hours",
                  "cannot be edited or deleted once sent"):
        assert words in page, words


def test_crisis_language_shows_help_in_the_same_response(client, alex):
    client.force_login(alex)
    response = client.post(thread_url(), {"body": "I can't do this anymore, I want to die"})
    assert response.status_code == 200  # not a redirect: help is on this page
    page = response.content.decode()
    assert "Call or text 988" in page and 'href="tel:911"' in page
    assert "Your message was sent" in page
    assert Message.objects.get().crisis_language


def test_an_ordinary_message_is_sent_and_the_page_reloads(client, alex):
    client.force_login(alex)
    response = client.post(thread_url(), {"body": "See you Thursday"})
    assert response.status_code == 302
    page = client.get(thread_url()).content.decode()
    assert "See you Thursday" in page and "Delivered" in page
    assert "Call or text 988" not in page


def test_an_empty_message_is_refused_next_to_the_field(client, alex):
    client.force_login(alex)
    response = client.post(thread_url(), {"body": "  "})
    assert response.status_code == 200
    assert 'id="id_body_error"' in response.content.decode()
    assert not Message.objects.exists()


def test_a_forged_attachment_is_refused_and_nothing_is_sent(client, alex):
    client.force_login(alex)
    response = client.post(thread_url(), {"body": "My letter",
                                          "attachments": upload("letter.pdf", b"MZ\x90\x00")})
    assert response.status_code == 200
    assert 'id="id_attachments_error"' in response.content.decode()
    assert not Message.objects.exists() and not Thread.objects.exists()


def test_an_attachment_travels_with_the_message(client, alex, clinician):
    client.force_login(alex)
    assert client.post(thread_url(), {"body": "Referral attached",
                                      "attachments": upload("referral.pdf", PDF)}
                       ).status_code == 302
    client.force_login(clinician)
    page = client.get(staff_url(alex)).content.decode()
    assert "referral.pdf" in page and "/documents/" in page


def test_outside_hours_is_marked_on_the_message(client, alex):
    with time_machine.travel(SATURDAY, tick=False):
        client.force_login(alex)
        client.post(thread_url(), {"body": "Weekend thought"})
        page = client.get(thread_url()).content.decode()
    assert "Sent outside hours</span>" in page


def test_seen_by_your_clinician_and_unread_counts_in_the_header(client, alex, clinician):
    with time_machine.travel(MONDAY_MORNING) as clock:
        message_send(sender=alex, client=alex, service_line="therapy", body="Hello")
        client.force_login(clinician)
        home = client.get(reverse("messaging:clinician_inbox")).content.decode()
        assert 'nav-badge">1<' in home and "Alex Morgan" in home
        clock.shift(30)
        client.get(staff_url(alex))
        home = client.get(reverse("messaging:clinician_inbox")).content.decode()
        assert "nav-badge" not in home
        client.post(staff_url(alex), {"body": "Hello Alex"})
        client.force_login(alex)
        page = client.get(reverse("messaging:inbox")).content.decode()
        assert 'nav-badge">1<' in page and "New" in page
        page = client.get(thread_url()).content.decode()
        assert "Seen by your clinician" in page
        assert "nav-badge" not in client.get(thread_url()).content.decode()


def test_every_staff_read_of_a_thread_is_logged(client, alex, clinician):
    message_send(sender=alex, client=alex, service_line="coaching", body="Hi")
    client.force_login(clinician)
    client.get(staff_url(alex, "coaching"))
    client.get(reverse("messaging:clinician_inbox"))
    rows = list(AccessLog.objects.filter(by=clinician, client=alex).values_list("what", "detail"))
    assert sorted(rows) == [("list", "messages"), ("messages", "messages")]


def test_the_firewall_and_strangers_get_404(client, alex, clinician, stranger, other_clinician):
    client.force_login(other_clinician)
    assert client.get(staff_url(alex)).status_code == 404
    client.force_login(stranger)
    assert client.get(thread_url()).status_code == 404  # a coaching-only client
    coaching_only(clinician)
    client.force_login(clinician)
    assert client.get(staff_url(alex)).status_code == 404
    assert client.post(staff_url(alex), {"body": "x"}).status_code == 404
    assert client.get(staff_url(alex, "coaching")).status_code == 200
    assert not AccessLog.objects.filter(path=staff_url(alex)).exists()


@pytest.mark.parametrize("count", [1, 12])
def test_the_client_thread_page_queries_do_not_grow(client, alex, clinician, count,
                                                    django_assert_num_queries):
    for n in range(count):
        message_send(sender=clinician if n % 2 else alex, client=alex, service_line="therapy",
                     body=f"Message {n}")
    client.force_login(alex)
    client.get(thread_url())  # read once: opening it again writes nothing
    # session with user, messaging preference, client profile, clinician, clinician profile
    # (the firewall), thread, messages, their attachments, message hours
    with django_assert_num_queries(9):
        assert client.get(thread_url()).status_code == 200


@pytest.mark.parametrize("count", [1, 12])
def test_the_clinician_pages_queries_do_not_grow(client, alex, clinician, make_client, count,
                                                 django_assert_num_queries):
    for n in range(count):
        other = activate(make_client(clinician=clinician, service_lines="both"))
        message_send(sender=other, client=other, service_line="coaching", body=f"Hi {n}")
        message_send(sender=alex, client=alex, service_line="coaching", body=f"Message {n}")
    client.force_login(clinician)
    client.get(staff_url(alex, "coaching"))
    # session with user, MFA check, threads with their clients (the firewall inside the query),
    # one access-log INSERT for every client named
    with django_assert_num_queries(4):
        assert client.get(reverse("messaging:clinician_inbox")).status_code == 200
    # session with user, MFA check, clinician profile (the firewall), client with profile,
    # access-log INSERT, messaging preference, the assigned clinician and their profile (the
    # client's lines), thread, messages, attachments, message hours
    with django_assert_num_queries(12):
        assert client.get(staff_url(alex, "coaching")).status_code == 200
