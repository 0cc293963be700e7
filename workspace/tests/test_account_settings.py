"""The client's settings page (name, time zone with a searchable list, clock, phone, discreet
mode) and the clock every time display reads: 12- or 24-hour from the time zone's country
unless the person chose."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.template import Context, Template
from django.utils import timezone

from clients.models import User
from portal.lib import clock

pytestmark = pytest.mark.django_db

URL = "/account/settings/"


def test_the_clock_follows_the_time_zones_country():
    assert clock.zone_uses_12_hour("America/Chicago")
    assert clock.zone_uses_12_hour("Australia/Sydney")
    assert not clock.zone_uses_12_hour("Europe/Berlin")
    assert not clock.zone_uses_12_hour("UTC")
    assert clock.hour12_for(preference="", zone_name="America/Chicago")
    assert not clock.hour12_for(preference="24", zone_name="America/Chicago")
    assert clock.hour12_for(preference="12", zone_name="Europe/Berlin")


def test_the_clock_filter_reads_the_active_clock_in_the_given_zone():
    at = datetime(2026, 3, 3, 20, 5, tzinfo=UTC)
    template = Template('{% load tandem tz %}{{ at|clock:"D j M, H:i" }} · {{ t|clock }} · '
                        '{{ at|timezone:"Europe/Berlin"|clock:"H:i" }}')
    with timezone.override("America/Chicago"), clock.override(True):
        text = template.render(Context({"at": at, "t": time(9, 30)}))
    assert text == "Tue 3 Mar, 2:05 PM · 9:30 AM · 9:05 PM"
    with timezone.override("America/Chicago"), clock.override(False):
        assert template.render(Context({"at": at, "t": time(9, 30)})) == (
            "Tue 3 Mar, 14:05 · 09:30 · 21:05")
    assert clock.zone_words("America/Chicago", at=at) == "Chicago time (CST)"
    assert clock.zone_words("America/Los_Angeles", at=at) == "Los Angeles time (PST)"


@time_machine.travel(datetime(2026, 3, 3, 20, 5, tzinfo=UTC), tick=False)
def test_a_client_changes_their_settings_and_every_page_follows(client, client_user):
    client_user.clock = ""
    client_user.time_zone = "Europe/Berlin"
    client_user.save()
    client.force_login(client_user)
    page = client.get(URL).content.decode()
    assert "Times now read like <strong>21:05</strong>" in page
    assert re.search(r'<input type="text" name="time_zone"[^>]*list="time-zones"', page)
    assert '<datalist id="time-zones">' in page and '<option value="America/Chicago">' in page

    response = client.post(URL, {"full_name": "  Alex   Morgan-Lee ",
                                 "time_zone": "America/Chicago", "clock": "",
                                 "phone": "+1 312 555 0100", "discreet_mode": "on"})
    assert response.status_code == 302
    user = User.objects.select_related("client_profile").get(pk=client_user.pk)
    assert (user.full_name, user.time_zone, user.clock) == ("Alex Morgan-Lee",
                                                            "America/Chicago", "")
    assert user.client_profile.discreet_mode and user.client_profile.phone
    page = client.get(URL).content.decode()
    assert "Times now read like <strong>2:05 PM</strong> in Chicago time (CST)" in page

    client.post(URL, {"full_name": "Alex Morgan-Lee", "time_zone": "America/Chicago",
                      "clock": "24", "phone": "", "discreet_mode": ""})
    page = client.get(URL).content.decode()
    assert "<strong>14:05</strong>" in page
    user.client_profile.refresh_from_db()
    assert not user.client_profile.discreet_mode and user.client_profile.phone == ""


def test_bad_settings_are_refused_beside_their_fields_and_nothing_is_saved(client, client_user):
    client.force_login(client_user)
    response = client.post(URL, {"full_name": "   ", "time_zone": "Mars/Olympus",
                                 "clock": "13", "phone": "call me", "discreet_mode": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    for field in ("full_name", "time_zone", "clock", "phone"):
        assert f'id="id_{field}_error"' in page, field
    assert "Nothing was saved yet." in page
    user = User.objects.select_related("client_profile").get(pk=client_user.pk)
    assert user.full_name == "Alex Morgan" and user.time_zone == client_user.time_zone
    assert not user.client_profile.discreet_mode


@pytest.mark.parametrize("persona", ["clinician", "admin_user"])
def test_staff_have_no_client_settings_page(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 404


def test_the_settings_page_queries(client, client_user, django_assert_num_queries):
    client.force_login(client_user)
    # 1. session with user  2. client profile (the form's initial values); no more with data
    with django_assert_num_queries(2):
        assert client.get(URL).status_code == 200


@time_machine.travel(datetime(2026, 3, 3, 12, 0, tzinfo=UTC), tick=False)
def test_a_new_time_zone_moves_the_next_check_in_reminder_to_the_same_local_time(client,
                                                                                 client_user):
    from decimal import Decimal

    from goals.services import goal_create
    from notifications.models import Notification

    client_user.time_zone = "America/New_York"
    client_user.save()
    goal_create(client=client_user, service_line="coaching", created_by=client_user,
                title="Run", metric="km", baseline=Decimal(1), target=Decimal(5),
                direction="up", cadence="daily", check_in_time=time(18, 0))
    [before] = Notification.objects.filter(recipient=client_user, kind="check_in_reminder",
                                           status="pending")
    client.force_login(client_user)
    client.post(URL, {"full_name": "Alex Morgan", "time_zone": "America/Chicago", "clock": "",
                      "phone": "", "discreet_mode": ""})
    [after] = Notification.objects.filter(recipient=client_user, kind="check_in_reminder",
                                          status="pending")
    assert after.due_at - before.due_at == timedelta(hours=1)  # 18:00 in Chicago, not New York
