"""Measures before sessions (issue 17): which appointments ask, the invitation the day before
through the outbox, the short form that closes after the session, and delivery by a real
worker with time moved."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from notifications.tasks import sweep_due
from notifications.tests.fixtures import wait_for
from screening.models import RiskFlag, ScreeningResponse
from screening.tests.conftest import answers
from sessions.measures import measure_plan_set
from sessions.models import SessionMeasures
from sessions.services import appointment_book, appointment_cancel, appointment_reschedule
from sessions.tests.conftest import book_by_clinician as book
from sessions.tests.conftest import service_type, sign_consent, weekdays_nine_to_five

NOW = dt.datetime(2027, 1, 4, 15, 0, tzinfo=dt.UTC)  # Monday 10:00 in New York
Kind = Notification.Kind


def invitations(person):
    return Notification.objects.filter(recipient=person, kind=Kind.MEASURES_INVITATION,
                                       dedupe_key__startswith="session-measures:")


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_therapy_asks_phq9_and_gad7_before_every_session_the_day_before(ready, clinician):
    starts = [NOW + dt.timedelta(days=2 + 7 * week) for week in range(3)]
    booked = [book(ready, clinician, "therapy-consultation", start) for start in starts]
    for appointment in booked:
        measures = SessionMeasures.objects.get(appointment=appointment)
        assert measures.instruments == ["phq9", "gad7"]
        assert measures.expires_at == appointment.end
    rows = invitations(ready).order_by("due_at")
    assert [row.due_at for row in rows] == [start - dt.timedelta(hours=24) for start in starts]
    assert all(row.status == "pending" for row in rows)


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_coaching_asks_wellbeing_before_every_other_session(ready, clinician):
    booked = [book(ready, clinician, "coaching-session", NOW + dt.timedelta(days=1 + 7 * w))
              for w in range(4)]
    asked = [SessionMeasures.objects.filter(appointment=a).exists() for a in booked]
    assert asked == [True, False, True, False]
    assert SessionMeasures.objects.get(appointment=booked[0]).instruments == ["who5"]


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_clients_own_plan_every_two_weeks(ready, clinician):
    measure_plan_set(client=ready, line="therapy", cadence="weeks", every_weeks=2,
                     instruments=["phq9"], by=clinician)
    booked = [book(ready, clinician, "therapy-consultation", NOW + dt.timedelta(days=1 + 7 * w))
              for w in range(5)]
    asked = [SessionMeasures.objects.filter(appointment=a).exists() for a in booked]
    assert asked == [True, False, True, False, True]


@pytest.mark.django_db
def test_a_plan_is_refused_with_reasons(ready, clinician, other_clinician):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        measure_plan_set(client=ready, line="therapy", cadence="weeks", every_weeks=0,
                         instruments=["who5"], by=clinician)
    assert set(error.value.message_dict) == {"every_weeks", "instruments"}
    with pytest.raises(ValidationError):
        measure_plan_set(client=ready, line="therapy", cadence="every", every_weeks=4,
                         instruments=["phq9"], by=other_clinician)


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_moved_the_invitation_follows_cancelled_it_goes(ready, clinician):
    appointment = book(ready, clinician, "therapy-consultation", NOW + dt.timedelta(days=3))
    [first] = invitations(ready)
    moved_to = NOW + dt.timedelta(days=4, hours=1)
    appointment_reschedule(appointment=appointment, start=moved_to, by=clinician)
    first.refresh_from_db()
    assert first.status == "cancelled"
    [second] = invitations(ready).filter(status="pending")
    assert second.due_at == moved_to - dt.timedelta(hours=24)
    assert SessionMeasures.objects.get(appointment=appointment).expires_at == \
        moved_to + dt.timedelta(minutes=appointment.service_type.duration_minutes)
    appointment_cancel(appointment=appointment, by=clinician)
    second.refresh_from_db()
    assert second.status == "cancelled"


def _post(measures, **answers_by_code):
    data = {}
    for code, values in answers_by_code.items():
        data.update({f"{code}-{item}": str(value) for item, value in values.items()})
    return data


@pytest.mark.django_db
def test_the_short_form_asks_only_those_measures_and_closes_after_the_session(
        client, ready, clinician):
    with time_machine.travel(NOW, tick=False):
        appointment = book(ready, clinician, "therapy-consultation", NOW + dt.timedelta(days=2))
    measures = SessionMeasures.objects.get(appointment=appointment)
    url = reverse("booking:measures", args=[measures.public_id])
    with time_machine.travel(appointment.start - dt.timedelta(hours=20), tick=False):
        client.force_login(ready)
        body = client.get(url).content.decode()
        assert 'name="phq9-item1"' in body and 'name="gad7-item7"' in body
        assert 'name="who5-item1"' not in body and 's1' not in body
        # Half-done: errors beside the questions, nothing saved.
        page = client.post(url, _post(measures, phq9=answers("phq9", item1=1)))
        assert page.status_code == 200 and 'class="field__errors"' in page.content.decode()
        assert not ScreeningResponse.objects.exists()
        page = client.post(url, _post(measures, phq9=answers("phq9", item1=2, item2=2),
                                      gad7=answers("gad7", item1=1)))
        assert page.status_code == 302
    measures.refresh_from_db()
    assert measures.completed_at is not None
    assert sorted(r.instrument for r in measures.responses.all()) == ["gad7", "phq9"]
    # The clinician sees them on the appointment page.
    with time_machine.travel(appointment.start - dt.timedelta(hours=1), tick=False):
        client.force_login(clinician)
        body = client.get(reverse("booking:clinician_appointment",
                                  args=[appointment.public_id])).content.decode()
        assert "Measures before this session" in body and "<strong>PHQ-9</strong> 4" in body
        # Answered once.
        client.force_login(ready)
        assert "already answered" in client.get(url).content.decode()
    with time_machine.travel(NOW, tick=False):
        later = book(ready, clinician, "therapy-consultation", NOW + dt.timedelta(days=9))
    later_url = reverse("booking:measures", args=[later.measures.public_id])
    with time_machine.travel(later.end + dt.timedelta(minutes=1), tick=False):
        client.force_login(ready)
        body = client.get(later_url).content.decode()
        assert "These questions have closed" in body and 'name="phq9-item1"' not in body
        client.post(later_url, _post(measures, phq9=answers("phq9"), gad7=answers("gad7")))
    assert ScreeningResponse.objects.count() == 2


@pytest.mark.django_db
def test_a_safety_answer_on_the_short_form_opens_the_flag_first(client, ready, clinician,
                                                                stranger):
    with time_machine.travel(NOW, tick=False):
        appointment = book(ready, clinician, "therapy-consultation", NOW + dt.timedelta(days=2))
    url = reverse("booking:measures", args=[appointment.measures.public_id])
    with time_machine.travel(appointment.start - dt.timedelta(hours=20), tick=False):
        client.force_login(stranger)
        assert client.get(url).status_code == 404
        client.force_login(ready)
        # Item 9 above zero, the rest of the page blank: the flag opens on it alone.
        page = client.post(url, {"phq9-item9": "1"})
    assert page.status_code == 302 and page["Location"] == reverse("screening:crisis")
    assert RiskFlag.objects.filter(client=ready, status="open").exists()


# --- With a real worker ------------------------------------------------------------------------


@pytest.mark.needs_postgres
@pytest.mark.needs_redis
@pytest.mark.django_db(transaction=True)
def test_the_invitation_goes_out_the_day_before_through_a_real_worker(
        make_client, clinician, celery_worker, smtp_sink):
    person = make_client(clinician=clinician, email="avery@example.com", full_name="Avery Li",
                         service_lines="both")
    for kind in ("privacy", "therapy", "coaching"):
        sign_consent(person, kind)
    weekdays_nine_to_five(clinician)
    start = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    appointment = appointment_book(client=person, clinician=clinician,
                                   service_type=service_type("therapy-consultation"),
                                   start=start, by=clinician)
    [row] = invitations(person)
    # The day before, not earlier: a sweep two days ahead hands nothing over.
    with time_machine.travel(start - dt.timedelta(hours=48)):
        sweep_due()
    row.refresh_from_db()
    assert (row.status, row.enqueued_at) == ("pending", None)
    with time_machine.travel(start - dt.timedelta(hours=24) + dt.timedelta(seconds=5)):
        sweep_due()
    row.refresh_from_db()
    assert row.enqueued_at is not None

    def arrived() -> bool:
        return bool(smtp_sink.messages_to("avery@example.com"))

    assert wait_for(arrived, timeout=30), celery_worker.log()
    time.sleep(2)
    [message] = [m for m in smtp_sink.messages_to("avery@example.com")
                 if b"questionnaire" in m]
    text = message.decode(errors="replace")
    assert "Subject: A short questionnaire is ready for you" in text
    assert reverse("booking:measures", args=[appointment.measures.public_id]) in text
    for word in ("PHQ", "GAD", "therapy", "Therapy", "depress", "anxi"):
        assert word not in text.split("Subject:")[1], word
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)


@pytest.mark.django_db
def test_the_therapist_assigns_pcl5_on_the_plan_page(client, ready, clinician):
    url = reverse("booking:measure_plan", args=[ready.public_id])
    with time_machine.travel(NOW, tick=False):
        client.force_login(clinician)
        body = client.get(url).content.decode()
        assert "The practice's plan" in body and 'value="pcl5"' in body
        page = client.post(url, {"line": "therapy", "therapy-cadence": "weeks",
                                 "therapy-every_weeks": "0", "therapy-instruments": ["pcl5"]})
        assert page.status_code == 400 and 'class="field__errors"' in page.content.decode()
        page = client.post(url, {"line": "therapy", "therapy-cadence": "every",
                                 "therapy-every_weeks": "4",
                                 "therapy-instruments": ["phq9", "pcl5"]})
        assert page.status_code == 302
        appointment = book(ready, clinician, "therapy-consultation",
                           NOW + dt.timedelta(days=2))
    assert appointment.measures.instruments == ["phq9", "pcl5"]
    with time_machine.travel(appointment.start - dt.timedelta(hours=3), tick=False):
        client.force_login(ready)
        body = client.get(reverse("booking:measures",
                                  args=[appointment.measures.public_id])).content.decode()
    assert 'name="pcl5-item20"' in body and "stressful experience" in body
