"""Journey 1 of issue 14: a newcomer to coaching, in a real browser against gunicorn. Signup with
a phone number, the confirmation email from the mail server, the privacy notice and the coaching
agreement signed, the whole self-assessment, a coaching path in plain words, a coaching
consultation booked, and its calendar file."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from clients.models import User
from e2e.conftest import Camera
from e2e.test_crisis_journey import main_text
from notifications.tests.fixtures import wait_for
from screening.instruments import INSTRUMENTS, WIZARD_ORDER
from sessions.models import Appointment
from sessions.tests.conftest import (
    consent_documents_ensure,
    service_type,
    weekdays_nine_to_five,
)

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis, pytest.mark.e2e,
              pytest.mark.django_db(transaction=True)]

PASSWORD = "a long and private passphrase"
SEVERITY_WORDS = ("moderate", "severe", "minimal", "mild")


def answer_step(page, code: str) -> None:
    """Every question of a step: no, not at all, or (well-being) most of the time; the
    self-assessment is one list to tick: the coaching indicators, the rest left (no)."""
    instrument = INSTRUMENTS[code]
    for item in instrument.items:
        if code == "self_assessment":
            if item.code.startswith("c"):
                page.check(f"input[name={item.code}]")
            continue
        value = 4 if code == "who5" else 0
        radio = page.locator(f"input[name={item.code}][value='{value}']")
        if radio.count():
            radio.check()
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")


def sign(page, portal, kind: str, name: str) -> None:
    page.goto(portal.url(reverse("clients:consent_sign", args=[kind])))
    page.fill("input[name=typed_name]", name)
    page.check("input[name=understood]")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_a_newcomer_finds_coaching_and_books(portal, new_page, smtp_sink, make_user):
    dana = make_user(role="clinician", email="dana.reyes@example.com", full_name="Dana Reyes",
                     time_zone="America/New_York")
    weekdays_nine_to_five(dana)
    service_type("coaching-consultation")  # seeded again after an earlier test's flush
    consent_documents_ensure()
    camera = Camera("newcomer")
    page = new_page()

    page.goto(portal.url(reverse("account_signup")))
    page.fill("input[name=full_name]", "Morgan Ellis")
    page.fill("input[name=email]", "morgan@example.com")
    page.fill("input[name=phone]", "+1 646 555 0199")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    camera.shoot(page, "signup")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    camera.shoot(page, "confirm your email")

    assert wait_for(lambda: smtp_sink.messages_to("morgan@example.com"), timeout=30)
    mail = smtp_sink.messages_to("morgan@example.com")[0].decode()
    link = re.search(r"(/accounts/confirm-email/[^\s\"<>]+/)", mail.replace("=\r\n", ""))
    assert link, mail
    page.goto(portal.url(link.group(1)))
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    morgan = User.objects.get(email="morgan@example.com")
    assert morgan.client_profile.phone == "+1 646 555 0199"

    page.goto(portal.url(reverse("account_login")))
    if page.locator("input[name=login]").count():  # unless confirming signed them in
        page.fill("input[name=login]", "morgan@example.com")
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_load_state("networkidle")
    page.goto(portal.url(reverse("home")))
    assert "Welcome, Morgan" in main_text(page)
    camera.shoot(page, "home")

    sign(page, portal, "privacy", "Morgan Ellis")
    sign(page, portal, "coaching", "Morgan Ellis")
    camera.shoot(page, "agreement signed")

    page.goto(portal.url(reverse("screening:start")))
    page.goto(portal.url(reverse("screening:step", args=[WIZARD_ORDER[0]])))
    for code in WIZARD_ORDER:
        assert code in page.url or INSTRUMENTS[code].client_title in main_text(page), page.url
        camera.shoot(page, f"step {code}")
        answer_step(page, code)
    text = main_text(page)
    assert "Coaching" in text
    assert not any(word in text.lower() for word in SEVERITY_WORDS)
    camera.shoot(page, "results")

    page.goto(portal.url(reverse("booking:pick_time", args=["coaching-consultation"])))
    page.locator("main a[href*='confirm']").first.click()
    page.wait_for_load_state("networkidle")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Booked:" in main_text(page)
    camera.shoot(page, "booked")
    appointment = Appointment.objects.get(client=morgan)
    ics = page.request.get(portal.url(reverse("booking:appointment_ics",
                                              args=[appointment.public_id])))
    assert ics.status == 200 and "BEGIN:VEVENT" in ics.text()
    assert "attachment" in ics.headers.get("content-disposition", "")

    assert camera.problems == [] and page.problems == []
