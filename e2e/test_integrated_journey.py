"""Journey 3 of issue 14, in a real browser against gunicorn, a real worker and an SMTP sink: an
integrated client (therapy and coaching) sets a coaching goal beside the treatment-plan goal
their clinician set, chooses a check-in time a few minutes from now in their own zone, gets the
"time for your check-in" email at that local time, follows its link to the check-in page,
checks in on both goals at once and sees the chart.

Time is moved by choosing it: the client picks a zone where it is daytime now and a check-in
time two minutes ahead, so the planned reminder (a row in the outbox) falls due within the run;
the sweep a beat would run is called when it is due, and the worker delivers it."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_factory, mfa_enable
from e2e.conftest import Camera
from e2e.test_crisis_journey import main_text, sign_in
from goals.models import CheckIn, Goal
from goals.services import goal_create
from notifications.models import Notification
from notifications.tasks import sweep_due
from notifications.tests.fixtures import wait_for
from sessions.tests.conftest import sign_consent

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis, pytest.mark.e2e,
              pytest.mark.django_db(transaction=True)]

# Zones a reminder can fall in now: the first where it is daytime (outside quiet hours).
DAYTIME_ZONES = ("Asia/Tokyo", "Asia/Kolkata", "Europe/Berlin", "America/New_York",
                 "America/Los_Angeles", "Pacific/Auckland", "Asia/Singapore")


def _daytime_zone() -> ZoneInfo:
    for name in DAYTIME_ZONES:
        if 10 <= datetime.now(ZoneInfo(name)).hour < 19:
            return ZoneInfo(name)
    pytest.skip("no listed zone is in daytime now")


def test_integrated_client_checks_in_on_both_lines_from_the_reminder(portal, new_page,
                                                                    smtp_sink, make_user,
                                                                    celery_worker):
    zone = _daytime_zone()
    dana = make_user(role="clinician", email="dana.reyes@example.com", full_name="Dana Reyes")
    mfa_enable(dana)
    riley = client_factory(clinician=dana, email="riley@example.com", full_name="Riley Thompson",
                           service_lines="both", time_zone=zone.key)
    for kind in ("privacy", "therapy", "coaching"):
        sign_consent(riley, kind)
    goal_create(client=riley, service_line="therapy", created_by=dana,
                title="Notice anxious thoughts", skills="Thought record",
                practice_frequency="Daily", cadence="daily", check_in_time=time(21))
    camera = Camera("integrated")

    page = new_page()
    sign_in(page, portal, riley.email)
    page.goto(portal.url(reverse("goals:goals")))
    camera.shoot(page, "goals in both lines")

    # A coaching goal, checked in on daily, two minutes from now in Riley's own zone.
    at = (datetime.now(zone) + timedelta(minutes=2)).replace(second=0, microsecond=0)
    page.goto(portal.url(reverse("goals:goal_new", args=["coaching"])))
    page.fill("input[name=title]", "Protect two hours of deep work")
    page.fill("input[name=metric]", "Deep-work hours a week")
    page.fill("input[name=unit]", "h")
    page.fill("input[name=baseline]", "4")
    page.fill("input[name=target]", "10")
    page.select_option("select[name=direction]", "up")
    page.select_option("select[name=cadence]", "daily")
    page.fill("input[name=check_in_time]", at.strftime("%H:%M"))
    camera.shoot(page, "a coaching goal")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    coaching = Goal.objects.get(client=riley, service_line="coaching")

    # One reminder for Riley, due at the chosen local time.
    [reminder] = Notification.objects.filter(recipient=riley, kind="check_in_reminder",
                                             status="pending", due_at__lte=at + timedelta(
                                                 minutes=1))
    assert reminder.due_at.astimezone(zone).strftime("%H:%M") == at.strftime("%H:%M")
    # When it is due, the sweep (beat's job) hands it to the worker, which sends it.
    assert wait_for(lambda: timezone.now() >= reminder.due_at, timeout=200)
    sweep_due()
    assert wait_for(lambda: smtp_sink.messages_to(riley.email), timeout=60), celery_worker.log()
    [email] = smtp_sink.messages_to(riley.email)
    email = email.decode()
    assert "Deep work" not in email and "therap" not in email.lower()  # rule 7
    link = re.search(r"https?://[^\s\"<>]+" + re.escape(reverse("goals:check_in")), email)
    assert link, email

    # The link lands on the check-in page with both goals; one check-in for both. (Its host is
    # the worker's TANDEM_SITE_URL; this run's portal listens on a port of its own.)
    page.goto(portal.url(urlsplit(link.group(0)).path))
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(reverse("goals:check_in"))
    text = main_text(page)
    assert "Protect two hours of deep work" in text and "Notice anxious thoughts" in text
    therapy = Goal.objects.get(client=riley, service_line="therapy")
    page.fill(f"input[name='{coaching.public_id.hex}-value']", "6")
    page.fill(f"input[name='{therapy.public_id.hex}-practice_count']", "3")
    page.fill(f"input[name='{therapy.public_id.hex}-rating']", "6")
    camera.shoot(page, "one check-in for both")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "2 check-ins saved" in main_text(page)
    assert CheckIn.objects.filter(goal__client=riley).count() == 2

    page.goto(portal.url(reverse("goals:goal", args=[coaching.public_id])))
    assert page.locator("main svg, main figure").count() > 0
    camera.shoot(page, "the coaching goal with its chart")
    assert camera.problems == [] and page.problems == []
