"""Journey 2 of issue 14, rule 1 from outside: a client in crisis, in a real browser against
gunicorn, a real Celery worker and an SMTP server. A safety answer sent with the rest of the page
blank shows help at once; the client leaves a phone number; coaching cannot be booked, a therapy
consultation can; the clinician's alert email arrives within a minute and its link, after a
password and a two-factor code, opens the flag with the number on it; the clinician resolves it
and lands on the resolved flag; coaching is bookable again."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse

from conftest import TEST_PASSWORD, client_factory, mfa_enable
from e2e.conftest import Camera
from notifications.tests.fixtures import wait_for
from screening.models import RiskFlag
from sessions.selectors import COACHING_AT_RISK
from sessions.tests.conftest import service_type, sign_consent, weekdays_nine_to_five

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis, pytest.mark.e2e,
              pytest.mark.django_db(transaction=True)]

ALERT_DEADLINE = 60.0


def sign_in(page, portal, email: str, *, totp_secret: str | None = None) -> None:
    page.goto(portal.url(reverse("account_login")))
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main form button[type=submit]")
    if totp_secret:
        page.wait_for_selector("input[name=code]")
        page.fill("input[name=code]",
                  format_hotp_value(hotp_value(totp_secret, int(time.time()) // 30)))
        page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")


def main_text(page) -> str:
    return page.inner_text("main")


def test_a_client_in_crisis_is_helped_and_the_clinician_acts(portal, new_page, smtp_sink,
                                                             make_user, celery_worker):
    dana = make_user(role="clinician", email="dana.reyes@example.com", full_name="Dana Reyes",
                     time_zone="America/New_York")
    secret = mfa_enable(dana)
    weekdays_nine_to_five(dana)
    service_type("coaching-session")  # seeded again after an earlier test's flush
    quinn = client_factory(clinician=dana, email="quinn@example.com", full_name="Quinn Foster",
                           service_lines="both")
    for kind in ("privacy", "therapy", "coaching"):
        sign_consent(quinn, kind)
    camera = Camera("crisis")

    client = new_page()
    sign_in(client, portal, quinn.email)
    camera.shoot(client, "signed in")

    # The safety screen with one yes and the other three left blank.
    client.goto(portal.url(reverse("screening:step", args=["safety"])))
    camera.shoot(client, "safety questions")
    client.check("input[name=s1][value='1']")
    started = time.monotonic()
    client.click("main form button[type=submit]")
    client.wait_for_load_state("networkidle")
    text = main_text(client)
    assert "Call or text 988" in text and "911" in text
    assert "We have let your clinician, Dana Reyes, know." in text
    camera.shoot(client, "crisis resources")

    client.fill("input[name=phone]", "+1 312 555 0142")
    client.click(".crisis-page__phone button[type=submit]")
    client.wait_for_load_state("networkidle")
    assert "+1 312 555 0142" in main_text(client)
    camera.shoot(client, "phone saved")

    # Coaching is refused with the way forward; the therapy consultation is offered.
    client.goto(portal.url(reverse("booking:pick_time", args=["coaching-session"])))
    assert COACHING_AT_RISK in main_text(client)
    camera.shoot(client, "coaching refused")
    client.goto(portal.url(reverse("booking:pick_time", args=["therapy-consultation"])))
    assert COACHING_AT_RISK not in main_text(client)
    assert client.locator("main a[href*='confirm']").count() > 0, main_text(client)
    camera.shoot(client, "therapy consultation offered")

    # The alert reaches the clinician's mail server within a minute, and says nothing clinical.
    assert wait_for(lambda: smtp_sink.messages_to(dana.email), timeout=ALERT_DEADLINE), \
        celery_worker.log()
    assert time.monotonic() - started < ALERT_DEADLINE
    [alert] = smtp_sink.messages_to(dana.email)
    alert = alert.decode()
    # The number in any form it could be written in (a bare "555" would match a MIME boundary's
    # random digits).
    for secret_word in ("Quinn", "Foster", "312 555", "3125550142", "555 0142", "suicid",
                        "self-harm", "coaching"):
        assert secret_word not in alert
    flag = RiskFlag.objects.get(client=quinn, status="open")
    flag_path = reverse("screening:risk_flag", args=[flag.public_id])
    # The link is absolute, on the site's address (TANDEM_SITE_URL); here, the port of this run.
    assert re.search(r"https?://[^\s\"<>]+" + re.escape(flag_path), alert), alert

    clinician = new_page()
    sign_in(clinician, portal, dana.email, totp_secret=secret)
    clinician.goto(portal.url(flag_path))
    text = main_text(clinician)
    assert "Quinn Foster" in text and "+1 312 555 0142" in text
    camera.shoot(clinician, "flag opened from the alert")
    clinician.fill("textarea[name=note]", "Called Quinn; safe with family tonight; "
                                          "session booked for Thursday.")
    clinician.click("main form button[type=submit]")
    clinician.wait_for_load_state("networkidle")
    text = main_text(clinician)
    assert "Resolved" in text and "safe with family tonight" in text
    assert clinician.url.rstrip("/").endswith(str(flag.public_id))
    camera.shoot(clinician, "flag resolved")

    client.goto(portal.url(reverse("booking:pick_time", args=["coaching-session"])))
    assert COACHING_AT_RISK not in main_text(client)
    camera.shoot(client, "coaching bookable again")

    assert camera.problems == []
    assert client.problems == [] and clinician.problems == []
