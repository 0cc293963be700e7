"""Rule 8: every staff read of a client's record writes exactly one access-log row (who, which
client, what, when, from where). A test walks every such page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib import admin
from django.urls import reverse

from clients.models import AccessLog, ConsentSignature
from clients.services import clinician_note_add
from documents.services import document_share, document_sign
from documents.tests.conftest import PDF, upload
from goals.services import check_in_record, comment_add, goal_create
from messaging.models import MessagingPreference
from messaging.services import message_send
from portal.lib.admin import AccessLoggedAdmin
from screening.services import (
    measure_event_add,
    measure_share_set,
    screening_submit,
    screening_submit_many,
)
from screening.tests.conftest import answers, full_set
from sessions.measures import measure_plan_set
from sessions.services import appointment_book
from sessions.tests.conftest import service_type, sign_consent
from workspace.models import AttentionAcknowledgement

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 1, 4, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def record(client_user, clinician):
    """A client with something in every part of the record."""
    with time_machine.travel(NOW, tick=False):
        screening_submit_many(client=client_user, answers_by_instrument=full_set())
        screening_submit(client=client_user, instrument="safety", answers=answers("safety", s1=1))
        appointment = appointment_book(client=client_user, clinician=clinician,
                                       service_type=service_type("therapy-consultation"),
                                       start=NOW + dt.timedelta(days=2), by=clinician)
        goal = goal_create(client=client_user, service_line="coaching", created_by=client_user,
                           title="Walk", metric="steps", unit="steps", baseline=Decimal(1),
                           target=Decimal(9), direction="up", cadence="daily")
        entry = check_in_record(goal=goal, by=client_user, value=Decimal(3))
        comment = comment_add(goal=goal, author=clinician, text="Nice", check_in=entry)
        sign_consent(client_user, "privacy")
        note = clinician_note_add(client=client_user, author=clinician, text="Private")
        acknowledgement = AttentionAcknowledgement.objects.create(
            clinician=clinician, client=client_user, rule="missed_check_ins",
            fingerprint="goal:1", note="Called them.")
        # Messages and shared documents (issue 16).
        preference = MessagingPreference.objects.create(client=client_user, enabled=True)
        client_user.refresh_from_db()
        message = message_send(sender=client_user, client=client_user, service_line="coaching",
                               body="Hello")
        document = document_share(by=clinician, client=client_user,
                                  file=upload("plan.pdf", PDF), title="Plan",
                                  service_line="coaching", signature_requested=True)
        signature = document_sign(client=client_user, document=document,
                                  typed_name=client_user.full_name, understood=True,
                                  ip_address=None, user_agent="")
        event = measure_event_add(client=client_user, occurred_on=NOW.date(), text="New role",
                                  by=clinician)
        share = measure_share_set(client=client_user, instrument="who5", shared=True,
                                  by=clinician)
        plan = measure_plan_set(client=client_user, line="therapy", cadence="every",
                                every_weeks=4, instruments=["phq9"], by=clinician)
    return {"appointment": appointment, "preference": preference, "message": message,
            "thread": message.thread, "document": document, "signature": signature,
            "goal": goal, "check_in": entry, "comment": comment,
            "measure_event": event, "measure_share": share, "measure_plan": plan,
            "session_measures": appointment.measures,
            "note": note, "acknowledgement": acknowledgement,
            "flag": client_user.risk_flags.get(),
            "response": client_user.screening_responses.first(),
            "recommendation": client_user.route_recommendations.first()}


def clinician_pages(client, record) -> dict[str, str]:
    return {
        "screening": reverse("screening:client_history", args=[client.public_id]),
        "risk_flag": reverse("screening:risk_flag", args=[record["flag"].public_id]),
        "goals": reverse("goals:clinician_goals", args=[client.public_id]),
        "goal": reverse("goals:clinician_goal", args=[record["goal"].public_id]),
        "appointment": reverse("booking:clinician_appointment",
                               args=[record["appointment"].public_id]),
        "timeline": reverse("caseload:timeline", args=[client.public_id]),
    }


def admin_pages(client, record) -> dict[str, str]:
    """Every admin page of one client-record object, with what its access-log row says."""
    def change(obj):
        meta = obj._meta
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])

    objects = [record[key] for key in ("response", "recommendation", "flag", "goal", "check_in",
                                       "comment", "appointment", "acknowledgement",
                                       "measure_event", "measure_share", "measure_plan",
                                       "session_measures")] + [
        client, client.client_profile, ConsentSignature.objects.filter(client=client).first()]
    return {change(obj): "admin" for obj in objects} | {change(record["note"]): "note"} | {
        change(record["preference"]): "admin", change(record["message"]): "messages",
        change(record["thread"]): "messages", change(record["document"]): "document",
        change(record["signature"]): "document"}


def test_every_clinician_page_about_a_client_writes_one_row(client, clinician, client_user,
                                                            record):
    client.force_login(clinician)
    for what, url in clinician_pages(client_user, record).items():
        before = AccessLog.objects.count()
        response = client.get(url, REMOTE_ADDR="203.0.113.9")
        assert response.status_code == 200, url
        assert AccessLog.objects.count() == before + 1, url
        row = AccessLog.objects.first()
        assert (row.by, row.client, row.what, row.path, row.ip_address) == (
            clinician, client_user, what, url, "203.0.113.9")


def test_every_admin_page_of_a_client_record_writes_one_row(client, admin_user, client_user,
                                                            record):
    client.force_login(admin_user)
    for url, what in admin_pages(client_user, record).items():
        before = AccessLog.objects.count()
        assert client.get(url).status_code == 200, url
        assert AccessLog.objects.count() == before + 1, url
        row = AccessLog.objects.first()
        assert (row.by, row.client, row.what) == (admin_user, client_user, what), url


def test_the_walk_covers_every_admin_of_a_client_record(client_user, record):
    """A new admin class that logs reads (AccessLoggedAdmin) must be walked above."""
    logged = {model._meta.label_lower for model, model_admin in admin.site._registry.items()
              if isinstance(model_admin, AccessLoggedAdmin)}
    walked = {url.split("/")[2] + "." + url.split("/")[3]
              for url in admin_pages(client_user, record)}
    assert logged == walked


def test_clients_reading_their_own_record_are_not_logged(client, client_user, record):
    client.force_login(client_user)
    for url in (reverse("goals:goal", args=[record["goal"].public_id]),
                reverse("booking:detail", args=[record["appointment"].public_id]),
                reverse("screening:results")):
        assert client.get(url).status_code == 200, url
    assert not AccessLog.objects.exists()


def test_refused_reads_are_not_logged(client, other_clinician, client_user, record):
    client.force_login(other_clinician)
    for url in clinician_pages(client_user, record).values():
        assert client.get(url).status_code == 404, url
    assert not AccessLog.objects.exists()


def test_staff_records_in_the_admin_are_not_client_reads(client, admin_user, clinician):
    client.force_login(admin_user)
    url = reverse("admin:clients_user_change", args=[clinician.pk])
    assert client.get(url).status_code == 200
    assert not AccessLog.objects.exists()


def test_the_access_log_is_read_only_in_the_admin(client, admin_user, clinician, client_user,
                                                 record):
    client.force_login(clinician)
    client.get(reverse("screening:client_history", args=[client_user.public_id]))
    row = AccessLog.objects.get()
    client.force_login(admin_user)
    assert client.get(reverse("admin:clients_accesslog_changelist")).status_code == 200
    change = reverse("admin:clients_accesslog_change", args=[row.pk])
    assert client.get(change).status_code == 200
    client.post(change, {"what": "goals"})
    assert client.post(reverse("admin:clients_accesslog_delete", args=[row.pk]),
                       {"post": "yes"}).status_code == 403
    row.refresh_from_db()
    assert row.what == "screening"
    assert client.get(reverse("admin:clients_accesslog_add")).status_code == 403


def test_clients_see_who_accessed_their_record(client, clinician, client_user, stranger, record,
                                               django_assert_num_queries):
    client.force_login(clinician)
    client.get(reverse("screening:client_history", args=[client_user.public_id]))
    client.get(reverse("goals:clinician_goals", args=[client_user.public_id]))
    client.force_login(client_user)
    # 1. session with user  2. the log rows with who read them
    with django_assert_num_queries(2):
        body = client.get(reverse("account_rights:access")).content.decode()
    assert body.count("<th scope=\"row\">Dana Reyes</th>") == 2
    assert "Screening history" in body and "Goals" in body and "Clinician" in body
    client.force_login(stranger)
    assert "Dana Reyes" not in client.get(reverse("account_rights:access")).content.decode()
    client.force_login(clinician)
    assert client.get(reverse("account_rights:access")).status_code == 404


def test_a_list_writes_one_row_per_client_named_in_one_insert(rf, clinician, client_user,
                                                              make_client, admin_user,
                                                              django_assert_num_queries):
    """access_log_record_many: one statement, one row per client (each once), staff named in
    the list skipped; the shared values prepared by their fields (IPv6 in its short form)."""
    from clients.services import access_log_record_many

    other = make_client(clinician=clinician)
    request = rf.get("/clinician/clients/", REMOTE_ADDR="2001:0db8:0000:0000:0000:0000:0000:0001")
    request.user = clinician
    moment = dt.datetime(2027, 1, 5, 9, 30, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False), django_assert_num_queries(1):
        written = access_log_record_many(request=request, what=AccessLog.What.LIST,
                                         clients=[client_user, other, client_user, admin_user],
                                         detail="caseload" * 40)
    assert written == 2
    rows = list(AccessLog.objects.order_by("pk"))
    assert [(row.by, row.client, row.what, row.path, row.ip_address, row.at) for row in rows] == [
        (clinician, person, "list", "/clinician/clients/", "2001:db8::1", moment)
        for person in (client_user, other)]
    assert rows[0].detail == ("caseload" * 40)[:200]
    request.user = client_user  # a client reading their own list is not logged
    assert access_log_record_many(request=request, clients=[client_user], what="list") == 0
    assert AccessLog.objects.count() == 2
