"""Journey 6 of issue 14, in a real browser against gunicorn and a worker: a practice admin
publishes a new version of the coaching agreement in Django admin (copy as a draft, say what
changed, publish), and the client who signed the old one is led to sign again: home leads with
the new version and what changed, booking coaching points to the same page, and once signed,
coaching time is offered. On the way the client's settings page (time zone from a searchable
list, the 12-hour clock of a US zone) and an appointment's join link are photographed.

Django admin's own pages are photographed but audited with axe only where the portal styles
them (the admin is Django's): the client's pages are held to zero violations."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import ClinicianProfile, ConsentDocument, ConsentSignature
from conftest import client_factory, mfa_enable
from e2e.conftest import Camera
from e2e.test_crisis_journey import main_text, sign_in
from sessions.models import ServiceType
from sessions.selectors import local_to_utc
from sessions.services import appointment_book
from sessions.tests.conftest import service_type, sign_consent, weekdays_nine_to_five

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis, pytest.mark.e2e,
              pytest.mark.django_db(transaction=True)]


def test_admin_publishes_a_new_agreement_and_the_client_signs_it(portal, new_page, make_user,
                                                                 celery_worker):
    admin = make_user(role="admin", email="pat.admin@example.com", full_name="Pat Admin",
                      is_superuser=True)
    admin_secret = mfa_enable(admin)
    sam = make_user(role="clinician", email="sam.coach@example.com", full_name="Sam Okafor",
                    time_zone="America/New_York")
    mfa_enable(sam)
    ClinicianProfile.objects.filter(user=sam).update(service_lines="coaching",
                                                     video_url="https://video.example/sam")
    weekdays_nine_to_five(sam)
    service_type("coaching-session")
    jordan = client_factory(clinician=sam, email="jordan@example.com", full_name="Jordan Patel",
                            service_lines="coaching", time_zone="America/Chicago", clock="")
    for kind in ("privacy", "coaching"):
        sign_consent(jordan, kind)
    soon = appointment_book(client=jordan, clinician=sam, by=sam,
                            service_type=ServiceType.objects.get(code="coaching-session"),
                            start=_next_weekday_at_ten(days=3))
    camera = Camera("consent")

    # The admin: copy the current agreement as a draft, say what changed, publish it.
    office = new_page()
    sign_in(office, portal, admin.email, totp_secret=admin_secret)
    current = ConsentDocument.objects.filter(kind="coaching", published_at__isnull=False) \
        .order_by("-version").first()
    office.goto(portal.url(reverse("admin:clients_consentdocument_changelist")))
    office.check(f"input[name=_selected_action][value='{current.pk}']")
    office.select_option("select[name=action]", "copy_as_new_draft")
    office.click("button[name=index]")
    office.wait_for_load_state("networkidle")
    draft = ConsentDocument.objects.get(kind="coaching", version=current.version + 1)
    office.goto(portal.url(reverse("admin:clients_consentdocument_change", args=[draft.pk])))
    office.fill("textarea[name=changes_summary]",
                "Sessions can now be by video, and the late-cancellation fee is $75.")
    office.click("input[name=_save]")
    office.wait_for_load_state("networkidle")
    office.check(f"input[name=_selected_action][value='{draft.pk}']")
    office.select_option("select[name=action]", "publish")
    office.click("button[name=index]")
    office.wait_for_load_state("networkidle")
    assert "Clients who signed an earlier version are asked to sign it" in office.inner_text(
        "body")
    draft.refresh_from_db()
    assert draft.is_published

    # The client: home leads with the new version and what changed.
    page = new_page()
    sign_in(page, portal, jordan.email)
    home = main_text(page)
    assert "A new version of the coaching agreement was published." in home
    assert "the late-cancellation fee is $75" in home
    assert "Your coach" in home and "Your clinician" not in home
    camera.shoot(page, "home asks to sign again")

    # Booking coaching says the same and leads to the same page.
    page.goto(portal.url(reverse("booking:pick_time", args=["coaching-session"])))
    assert "A new version of the coaching agreement was published" in main_text(page)
    camera.shoot(page, "booking refused until signed")
    page.click("main a:has-text('Read and sign it')")
    page.wait_for_load_state("networkidle")
    assert "What changed: Sessions can now be by video" in main_text(page)
    camera.shoot(page, "the new version")
    page.fill("input[name=typed_name]", jordan.full_name)
    page.check("input[name=understood]")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert ConsentSignature.objects.filter(client=jordan, document=draft).exists()
    page.goto(portal.url(reverse("booking:pick_time", args=["coaching-session"])))
    assert "read and sign" not in main_text(page).lower()
    assert page.locator("main a[href*='confirm']").count() > 0
    camera.shoot(page, "coaching times offered again")

    # Their settings: Chicago reads the 12-hour clock; the zone list is searchable.
    page.goto(portal.url(reverse("account_rights:settings")))
    assert " PM" in main_text(page) or " AM" in main_text(page)
    assert page.locator("input[name=time_zone][list=time-zones]").count() == 1
    camera.shoot(page, "settings")

    # The appointment page: the join link comes 15 minutes before.
    page.goto(portal.url(reverse("booking:detail", args=[soon.public_id])))
    assert "The link appears here 15 minutes before the start" in main_text(page)
    assert "video.example" not in page.content()
    camera.shoot(page, "appointment before the link")

    assert camera.problems == [] and page.problems == []


def _next_weekday_at_ten(*, days: int) -> datetime:
    """10:00 in New York, the ``days``-th weekday from today."""
    zone = ZoneInfo("America/New_York")
    day = timezone.localdate(timezone=zone)
    while days:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return local_to_utc(day, time(10), zone)
