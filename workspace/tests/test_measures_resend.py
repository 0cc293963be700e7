"""Resending a measures invitation from the review page (issue 17): the cause check for the
kind. Before a session: still ahead, still booked at that time, not answered yet. The
four-weekly retake: not replaced since by measures before sessions."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from notifications.models import Notification
from notifications.selectors import notification_review_token
from notifications.services import notification_resend_refusal
from screening.services import screening_submit
from screening.tests.conftest import answers
from sessions.measures import session_measures_submit
from sessions.models import SessionMeasures
from sessions.services import appointment_book, appointment_cancel, appointment_reschedule
from sessions.tests.conftest import service_type

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 1, 4, 15, 0, tzinfo=dt.UTC)  # Monday 10:00 in New York
Kind = Notification.Kind
Status = Notification.Status


@pytest.fixture
def booked(ready, clinician):
    with time_machine.travel(NOW, tick=False):
        return appointment_book(client=ready, clinician=clinician,
                                service_type=service_type("therapy-consultation"),
                                start=NOW + dt.timedelta(days=2), by=clinician)


def invitation(appointment) -> Notification:
    """The session's invitation, as if the mail server had not answered after sending it."""
    row = Notification.objects.get(kind=Kind.MEASURES_INVITATION,
                                   dedupe_key__startswith=f"session-measures:{appointment.public_id}")
    Notification.objects.filter(pk=row.pk).update(status=Status.NEEDS_REVIEW)
    row.refresh_from_db()
    return row


def refusal(row: Notification) -> str | None:
    return notification_resend_refusal(notification=row)


@time_machine.travel(NOW + dt.timedelta(days=1), tick=False)
def test_an_invitation_for_a_booked_session_ahead_may_be_resent(booked):
    assert refusal(invitation(booked)) is None


def test_not_once_the_session_has_begun(booked):
    row = invitation(booked)
    with time_machine.travel(booked.start + dt.timedelta(minutes=1), tick=False):
        assert refusal(row) == "The appointment has begun."


@time_machine.travel(NOW + dt.timedelta(days=1), tick=False)
def test_not_after_the_session_is_cancelled(booked, ready):
    row = invitation(booked)
    appointment_cancel(appointment=booked, by=ready)
    row.refresh_from_db()
    Notification.objects.filter(pk=row.pk).update(status=Status.NEEDS_REVIEW)
    row.refresh_from_db()
    assert refusal(row) == "The appointment is no longer booked."


@time_machine.travel(NOW, tick=False)
def test_not_for_the_old_time_of_a_moved_session(booked, clinician):
    row = invitation(booked)
    appointment_reschedule(appointment=booked, start=booked.start + dt.timedelta(hours=2),
                           by=clinician)
    Notification.objects.filter(pk=row.pk).update(status=Status.NEEDS_REVIEW)
    row.refresh_from_db()
    assert "has moved" in refusal(row)


@time_machine.travel(NOW + dt.timedelta(days=1), tick=False)
def test_not_once_the_client_has_answered(booked, ready):
    row = invitation(booked)
    session_measures_submit(measures=SessionMeasures.objects.get(appointment=booked), client=ready,
                            answers_by_instrument={"phq9": answers("phq9"),
                                                   "gad7": answers("gad7")})
    assert refusal(row) == "The client has answered these measures."


def test_the_review_page_refuses_in_words(admin_client, booked, ready):
    # At the real clock (the session, in 2027, is still ahead): the staff sign-in is real too.
    row = invitation(booked)
    session_measures_submit(measures=SessionMeasures.objects.get(appointment=booked), client=ready,
                            answers_by_instrument={"phq9": answers("phq9"),
                                                   "gad7": answers("gad7")})
    response = admin_client.post(reverse("notifications:review_resend",
                                         args=[notification_review_token(row)]), follow=True)
    assert "Not resent: The client has answered these measures." in response.content.decode()
    row.refresh_from_db()
    assert row.status == Status.NEEDS_REVIEW


@time_machine.travel(NOW, tick=False)
def test_a_retake_may_be_resent_unless_session_measures_replaced_it(ready, clinician):
    screening_submit(client=ready, instrument="phq9", answers=answers("phq9"))
    retake = Notification.objects.get(kind=Kind.MEASURES_INVITATION,
                                      dedupe_key__startswith="measures-invitation:")
    Notification.objects.filter(pk=retake.pk).update(status=Status.FAILED)
    retake.refresh_from_db()
    assert refusal(retake) is None
    # A session booked since asks for PHQ-9 and GAD-7 before it (booking closes the failed
    # row too); a row left failed by hand is still refused by the same rule.
    appointment_book(client=ready, clinician=clinician,
                     service_type=service_type("therapy-consultation"),
                     start=NOW + dt.timedelta(days=2), by=clinician)
    Notification.objects.filter(pk=retake.pk).update(status=Status.FAILED)
    retake.refresh_from_db()
    assert refusal(retake) == "Measures before the client's sessions ask for these now."
