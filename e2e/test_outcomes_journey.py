"""Journey of issue 17 in a real browser against gunicorn, a worker and an SMTP sink.

A client answers the measures before their next session on the short form, reads their
progress page (well-being in plain words beside their coaching goal); their clinician reads the
client's outcomes with the reliable-change bands, adds an event, shares PHQ-9, and opens the
practice's outcomes report; the client then sees their PHQ-9 as well."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_factory, mfa_enable
from e2e.conftest import Camera
from e2e.test_crisis_journey import main_text, sign_in
from goals.services import check_in_record, goal_create
from screening.services import screening_submit_many
from screening.tests.test_outcomes_pages import phq9, who5
from sessions.models import SessionMeasures
from sessions.services import appointment_book
from sessions.tests.conftest import service_type, sign_consent, weekdays_nine_to_five

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis, pytest.mark.e2e,
              pytest.mark.django_db(transaction=True)]


@pytest.fixture
def practice(make_user):
    dana = make_user(role="clinician", email="dana.reyes@example.com", full_name="Dana Reyes",
                     time_zone="America/New_York")
    secret = mfa_enable(dana)
    weekdays_nine_to_five(dana)
    riley = client_factory(clinician=dana, email="riley@example.com", full_name="Riley Park",
                           service_lines="both")
    for kind in ("privacy", "therapy", "coaching"):
        sign_consent(riley, kind)
    start = timezone.now() - timedelta(weeks=10)
    for week, (total, raw) in enumerate(((17, 9), (15, 11), (12, 13), (9, 15))):
        screening_submit_many(client=riley, answers_by_instrument={
            "phq9": phq9(total), "who5": who5(raw)},
            submitted_at=start + timedelta(weeks=3 * week))
    goal = goal_create(client=riley, service_line="coaching", created_by=riley,
                       title="Lead the weekly meeting", metric="meetings led", unit="meetings",
                       baseline=Decimal(0), target=Decimal(8), direction="up", cadence="daily")
    check_in_record(goal=goal, by=riley, value=Decimal(3))
    return dana, secret, riley


def test_measures_progress_outcomes_and_the_report(portal, new_page, practice):
    dana, secret, riley = practice
    camera = Camera("outcomes")
    next_week = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    appointment = appointment_book(client=riley, clinician=dana,
                                   service_type=service_type("therapy-consultation"),
                                   start=next_week, by=dana)
    planned = SessionMeasures.objects.get(appointment=appointment)

    client = new_page()
    sign_in(client, portal, riley.email)
    client.goto(portal.url(reverse("booking:measures", args=[planned.public_id])))
    camera.shoot(client, "measures before the session")
    for code, value in (("phq9", "1"), ("gad7", "0")):
        for radio in client.locator(f"main input[type=radio][name^='{code}-'][value='{value}']"
                                    ).all():
            radio.check()
    client.locator("main input[name='phq9-item9'][value='0']").check()
    client.click("main form button[type=submit]")
    client.wait_for_load_state("networkidle")
    planned.refresh_from_db()
    assert planned.completed_at is not None, main_text(client)

    client.goto(portal.url(reverse("goals:progress")))
    text = main_text(client)
    assert "Your answers show a real improvement since you started." in text
    assert "Lead the weekly meeting" in text and "38% of the way" in text
    for word in ("PHQ", "moderate", "severe", "mild"):
        assert word not in text
    camera.shoot(client, "progress")

    staff = new_page()
    sign_in(staff, portal, dana.email, totp_secret=secret)
    staff.goto(portal.url(reverse("screening:client_outcomes", args=[riley.public_id])))
    text = main_text(staff)
    assert "Reliable improvement" in text or "Reliably recovered" in text
    camera.shoot(staff, "clinician outcomes")
    staff.fill("main input[name=occurred_on]",
               (timezone.localdate() - timedelta(weeks=4)).isoformat())
    staff.fill("main input[name=text]", "New role")
    staff.click("main form[action$='/events/'] button[type=submit]")
    staff.wait_for_load_state("networkidle")
    assert "Event added" in main_text(staff)
    staff.click("main form.outcome__share button:has-text('Share with the client')")
    staff.wait_for_load_state("networkidle")
    camera.shoot(staff, "event added and PHQ-9 shared")

    staff.goto(portal.url(reverse("booking:clinician_appointment",
                                  args=[appointment.public_id])))
    assert "Measures before this session" in main_text(staff)
    camera.shoot(staff, "appointment with its measures")

    staff.goto(portal.url(reverse("screening:outcomes_report")))
    text = main_text(staff)
    assert "Practice outcomes" in text and "All clinicians" in text
    camera.shoot(staff, "practice report")

    client.goto(portal.url(reverse("goals:progress")))
    assert client.locator("main svg [data-series='phq9'], main g[data-series='phq9']").count()
    camera.shoot(client, "progress with PHQ-9 shared")

    assert camera.problems == []
    assert client.problems == [] and staff.problems == []
