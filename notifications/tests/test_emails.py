"""What the emails say, and what they never say (rule 7 of DESIGN.md)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.template.loader import get_template
from django.utils import timezone

from clients.models import ClientProfile
from notifications.emails import email_render, notification_email_build
from notifications.models import Notification
from notifications.services import notification_deliver

pytestmark = pytest.mark.django_db

# Words that would tell whoever sees the inbox what kind of care the recipient gets.
CLINICAL_WORDS = re.compile(
    r"therap|coach|counsel|clinic|diagnos|mental|psych|psychiatr|PHQ|GAD|anxi|depress|"
    r"trauma|crisis|treatment|session|assessment|screening|insurance",
    re.IGNORECASE,
)


def welcome_for(user) -> Notification:
    return Notification.objects.create(recipient=user, kind=Notification.Kind.WELCOME,
                                       dedupe_key=f"welcome:{user.pk}", due_at=timezone.now())


def set_discreet(user, discreet: bool) -> None:
    ClientProfile.objects.filter(user=user).update(discreet_mode=discreet)
    user.client_profile.refresh_from_db()


def test_every_kind_has_its_three_templates():
    for kind in Notification.Kind.values:
        for part in ("subject.txt", "body.txt", "body.html"):
            get_template(f"emails/{kind}-{part}")


def test_the_welcome_email(client_user, settings):
    message = notification_email_build(notification=welcome_for(client_user))

    assert message.subject == "Welcome to Tandem Practice"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.to == ["client@example.com"]
    assert message.body.startswith("Hello Alex,\n")
    assert "your Tandem Practice account is ready" in message.body
    assert f"{settings.SITE_URL}/\n" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "<p>Hello Alex,</p>" in html
    assert f'<a href="{settings.SITE_URL}/">Sign in</a>' in html
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "http" not in html.replace(settings.SITE_URL, "")  # nothing loaded from elsewhere


def test_discreet_mode_uses_a_neutral_sender_and_wording(client_user, settings):
    set_discreet(client_user, True)
    message = notification_email_build(notification=welcome_for(client_user))

    assert message.from_email == "Appointments <no-reply@tandem.example>"
    assert message.subject == "Your account is ready"
    [(html, _)] = message.alternatives
    for text in (message.subject, message.body, html):
        assert settings.PRACTICE_NAME not in text
    assert f"{settings.SITE_URL}/" in message.body


@pytest.mark.parametrize("discreet", [False, True])
def test_the_welcome_email_has_no_clinical_words(client_user, discreet):
    set_discreet(client_user, discreet)
    notification_deliver(notification_id=welcome_for(client_user).pk)

    [message] = mail.outbox
    [(html, _)] = message.alternatives
    for text in (message.subject, message.body, html, message.from_email):
        assert not CLINICAL_WORDS.search(text), text


def test_staff_without_a_client_profile_get_the_usual_sender(clinician, settings):
    message = notification_email_build(notification=welcome_for(clinician))
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.body.startswith("Hello Dana,\n")


def test_names_are_escaped_in_html_only(make_client):
    user = make_client(full_name="O'Brien<b> Smith", email="ob@example.com")
    message = notification_email_build(notification=welcome_for(user))
    assert message.body.startswith("Hello O'Brien<b>,\n")  # plain text is not HTML
    [(html, _)] = message.alternatives
    assert "Hello O&#x27;Brien&lt;b&gt;," in html


def test_the_subject_is_always_one_line(settings):
    settings.PRACTICE_NAME = "Tandem\r\nBcc: everyone@example.com\n  Practice"
    rendered = email_render(kind="welcome", context={"practice_name": settings.PRACTICE_NAME})
    assert rendered.subject == "Welcome to Tandem Bcc: everyone@example.com Practice"
    assert "\n" not in rendered.subject and "\r" not in rendered.subject


def test_a_clinician_is_greeted_by_name_and_told_of_a_booking_as_the_one_who_holds_it(
        make_user):
    reyes = make_user(role="clinician", full_name="Dr. Maya Reyes", email="reyes@example.com")
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    row = Notification.objects.create(
        recipient=reyes, kind=Notification.Kind.APPOINTMENT_CONFIRMED, dedupe_key="booked:1",
        due_at=timezone.now(), context={"start_at": start.isoformat()})
    message = notification_email_build(notification=row)
    assert message.body.startswith("Hello Maya,\n")
    assert message.subject == "An appointment is booked in your calendar"
    assert "Sign in to see who it is with" in message.body
    assert "Your appointment" not in message.body
    [(html, _)] = message.alternatives
    assert "<p>Hello Maya,</p>" in html and "see who it is with" in html
    assert not CLINICAL_WORDS.search(message.subject)
