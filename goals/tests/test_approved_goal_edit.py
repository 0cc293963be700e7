"""A client's edit of an approved therapy goal (issue 13): the words go back to "suggested"
(no approval, no reminders, no check-ins) and the clinician sees what changed; their approval
clears it. The client's own schedule (cadence, time) keeps the approval."""

from __future__ import annotations

from datetime import time

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from goals.models import Goal
from goals.services import check_in_record, goal_approve, goal_create, goal_update


@pytest.fixture
def approved(client_user, clinician) -> Goal:
    return goal_create(client=client_user, service_line="therapy", created_by=clinician,
                       title="Breathe before meetings", skills="Box breathing",
                       practice_frequency="daily", cadence="daily")


def test_client_rewrite_sends_the_goal_back_for_approval(approved, client_user, clinician):
    assert not approved.needs_approval
    goal_update(goal=approved, by=client_user, title="Skip the meetings", skills="Avoidance")
    approved.refresh_from_db()
    assert approved.needs_approval and approved.approved_by is None
    assert approved.changes_since_approval == {
        "title": {"was": "Breathe before meetings", "now": "Skip the meetings"},
        "skills": {"was": "Box breathing", "now": "Avoidance"},
    }
    with pytest.raises(ValidationError):
        check_in_record(goal=approved, by=client_user, practice_count=1)
    # A second edit keeps what the clinician approved as "was"; undoing a change drops it.
    goal_update(goal=approved, by=client_user, title="Skip most meetings", skills="Box breathing")
    approved.refresh_from_db()
    assert approved.changes_since_approval == {
        "title": {"was": "Breathe before meetings", "now": "Skip most meetings"}}
    goal_approve(goal=approved, by=clinician)
    approved.refresh_from_db()
    assert not approved.needs_approval and approved.changes_since_approval == {}


def test_schedule_changes_and_clinician_edits_keep_the_approval(approved, client_user,
                                                                clinician):
    goal_update(goal=approved, by=client_user, check_in_time=time(7, 30))
    approved.refresh_from_db()
    assert not approved.needs_approval
    goal_update(goal=approved, by=clinician, title="Breathe before every meeting")
    approved.refresh_from_db()
    assert not approved.needs_approval and approved.changes_since_approval == {}


def test_edit_through_the_page_and_the_clinician_sees_the_change(client, client_user, clinician,
                                                                 approved):
    client.force_login(client_user)
    response = client.post(reverse("goals:goal_edit", args=[approved.public_id]), {
        "title": "Skip the meetings", "why": "", "skills": "Box breathing",
        "practice_frequency": "daily", "cadence": "daily", "check_in_time": "18:00"},
        follow=True)
    assert "waits for their approval again" in response.content.decode()
    staff = Client()
    staff.force_login(clinician)
    page = staff.get(reverse("goals:clinician_goal", args=[approved.public_id])).content.decode()
    assert "The client changed this goal after you approved it" in page
    assert "Was: Breathe before meetings" in page and "Now: Skip the meetings" in page
    assert reverse("goals:clinician_goal_approve", args=[approved.public_id]) in page
    listing = staff.get(reverse("goals:clinician_goals", args=[client_user.public_id]))
    assert "Was: Breathe before meetings" in listing.content.decode()
