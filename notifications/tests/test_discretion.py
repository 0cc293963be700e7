"""Rule 7 over every kind of email: each one is made by the real service that sends it, rendered
as it would go out, and checked for clinical words, goal text and service lines."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from decimal import Decimal

import pytest
import time_machine

from clients.models import ClinicianProfile
from documents.services import document_share
from documents.tests.conftest import PDF, upload
from goals.services import check_in_record, comment_add, goal_create
from messaging.models import MessagingPreference
from messaging.services import message_send
from notifications.emails import notification_email_build
from notifications.models import Notification
from notifications.services import welcome_schedule
from notifications.tests.test_smtp import same_bytes
from screening.services import screening_submit, screening_submit_many
from screening.tests.conftest import answers, full_set
from sessions.services import (
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    waitlist_join,
)
from sessions.tests.conftest import service_type, weekdays_nine_to_five

pytestmark = pytest.mark.django_db

FORBIDDEN = [
    "therap", "coach", "consultation", "intake", "phq", "gad-7", "who-5", "score", "band",
    "diagnos", "risk", "crisis", "suicid", "harm", "depress", "anxi", "safety",
    # what the client and clinician wrote
    "marathon", "kilometres", "knee pain", "keep going, alex",
]


def rendered(notification: Notification) -> str:
    message = notification_email_build(notification=notification)
    html = message.alternatives[0][0]
    return "\n".join([message.subject, message.body, html, message.from_email])


NOW = datetime(2027, 1, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def every_kind(client_user, clinician, make_client):
    """A row of every kind, each made by the service that sends it (one each at least)."""
    with time_machine.travel(NOW, tick=False):
        yield _every_kind(client_user, clinician, make_client)


def _every_kind(client_user, clinician, make_client) -> list[Notification]:
    ClinicianProfile.objects.filter(user=clinician).update(time_zone="America/New_York")
    weekdays_nine_to_five(clinician)
    welcome_schedule(user=client_user)
    screening_submit_many(client=client_user, answers_by_instrument=full_set(
        phq9={"item1": 3, "item2": 3, "item3": 3, "item4": 3}))  # invitations
    screening_submit(client=client_user, instrument="safety", answers=answers("safety", s1=1))
    consultation = service_type("therapy-consultation")
    start = datetime(2027, 1, 6, 15, 0, tzinfo=UTC)
    appointment = appointment_book(client=client_user, clinician=clinician,
                                   service_type=consultation, start=start)
    appointment_reschedule(appointment=appointment, start=datetime(2027, 1, 7, 15, tzinfo=UTC),
                           by=client_user)
    waiting = make_client(clinician=None)
    waitlist_join(client=waiting, clinician=clinician, service_type=consultation)
    appointment_cancel(appointment=appointment, by=client_user)
    goal = goal_create(client=client_user, service_line="coaching", created_by=client_user,
                       title="Run a marathon", why="Knee pain gone", metric="kilometres",
                       unit="km", baseline=Decimal(5), target=Decimal(42), direction="up",
                       cadence="daily", check_in_time=time(18))
    entry = check_in_record(goal=goal, by=client_user, value=Decimal(8), note="knee pain")
    comment_add(goal=goal, check_in=entry, author=clinician, text="Keep going, Alex")
    # A message each way, with crisis words and the line in them, and a document shared.
    MessagingPreference.objects.create(client=client_user, enabled=True)
    client_user.refresh_from_db()
    message_send(sender=client_user, client=client_user, service_line="therapy",
                 body="My therapy is going well but I feel suicidal about the marathon")
    message_send(sender=clinician, client=client_user, service_line="coaching",
                 body="Keep going, Alex: coaching plan attached")
    document_share(by=clinician, client=client_user, file=upload("plan.pdf", PDF),
                   title="Coaching plan for the marathon", service_line="coaching")
    Notification.objects.filter(kind="check_in_reminder", status="cancelled").update(
        status="pending")  # render it even though the check-in cancelled it
    rows = list(Notification.objects.select_related("recipient"))
    assert {row.kind for row in rows} == set(Notification.Kind.values)
    return rows


@time_machine.travel(NOW, tick=False)
def test_no_email_of_any_kind_carries_clinical_or_goal_text(every_kind):
    kinds_seen = set()
    for notification in every_kind:
        text = rendered(notification).lower()
        kinds_seen.add(notification.kind)
        for word in FORBIDDEN:
            assert word not in text, (notification.kind, word)
        # No score-like numbers: every digit run in the email is a time, a date or a link.
        assert not re.search(r"\b\d{1,2}/\d{1,2}\b", text), notification.kind
    assert kinds_seen == set(Notification.Kind.values)


@time_machine.travel(NOW, tick=False)
def test_every_kind_of_email_goes_out_as_the_standard_library_writes_it(every_kind):
    """The outbox writes messages with its own fast path (notifications.smtp.message_bytes);
    the bytes on the wire must be what Django and the email package would have written."""
    for notification in every_kind:
        message = notification_email_build(notification=notification)
        message.extra_headers.update({"Date": "Mon, 04 Jan 2027 12:00:00 -0000",
                                      "Message-ID": "<1.outbox@tandem.example>"})
        assert same_bytes(message), notification.kind
