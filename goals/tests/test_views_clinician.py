"""The clinician's goals pages: least access (rule 8), the therapy firewall, setting and
approving goals, comments that notify the client, and pinned query counts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from goals.models import Comment, Goal
from goals.services import action_step_add, check_in_record, goal_create
from notifications.models import Notification

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def coaching(person, *, by, title="Run further") -> Goal:
    return goal_create(client=person, service_line="coaching", created_by=by, title=title,
                       metric="Distance", unit="km", baseline=Decimal("5"),
                       target=Decimal("10"), direction="up", cadence="daily",
                       check_in_time=time(9))


def therapy(person, *, by, title="Feel calmer at work") -> Goal:
    return goal_create(client=person, service_line="therapy", created_by=by, title=title,
                       skills="Box breathing", practice_frequency="Daily", cadence="daily",
                       check_in_time=time(9))


def body(response) -> str:
    return response.content.decode()


@pytest.fixture
def signed_in(client, clinician):
    client.force_login(clinician)
    return client


def goals_url(person) -> str:
    return reverse("goals:clinician_goals", args=[person.public_id])


def goal_url(goal) -> str:
    return reverse("goals:clinician_goal", args=[goal.public_id])


def coaching_only(clinician) -> None:
    profile = clinician.clinician_profile
    profile.service_lines = "coaching"
    profile.save()


# --- Who reaches which page -----------------------------------------------------------------


def test_permissions(client, client_user, clinician, other_clinician, stranger, admin_user):
    goal = coaching(client_user, by=client_user)
    suggested = therapy(client_user, by=client_user)
    urls = [goals_url(client_user), goal_url(goal), goal_url(suggested),
            reverse("goals:clinician_goal_new", args=[client_user.public_id, "coaching"])]
    posts = [(goal_url(goal), {"text": "Hi"}),
             (reverse("goals:clinician_goal_approve", args=[suggested.public_id]), {})]

    for url in urls:
        page = client.get(url)
        assert page.status_code == 302 and page["Location"].startswith(reverse("account_login"))

    # Clients (the goal's own client included), another clinician, admins: 404.
    for person in (client_user, stranger, other_clinician, admin_user):
        client.force_login(person)
        for url in urls:
            assert client.get(url).status_code == 404, (person, url)
        for url, data in posts:
            assert client.post(url, data).status_code == 404, (person, url)
    assert not Comment.objects.exists()
    suggested.refresh_from_db()
    assert suggested.needs_approval

    # Their own clinician: fine; another clinician's client: 404.
    client.force_login(clinician)
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert client.get(goals_url(stranger)).status_code == 404


def test_coaching_only_clinician_sees_no_therapy(signed_in, client_user, clinician):
    coaching(client_user, by=clinician, title="Lead the offsite")
    private = therapy(client_user, by=clinician, title="Grief after the loss")
    coaching_only(clinician)
    text = body(signed_in.get(goals_url(client_user)))
    assert "Lead the offsite" in text
    assert "Grief after the loss" not in text
    assert "Therapy" not in text and "therapy" not in text and "treatment" not in text
    assert signed_in.get(goal_url(private)).status_code == 404
    assert signed_in.post(reverse("goals:clinician_goal_approve",
                                  args=[private.public_id])).status_code == 404
    assert signed_in.get(reverse("goals:clinician_goal_new",
                                 args=[client_user.public_id, "therapy"])).status_code == 404


def test_goals_page_shows_progress_and_who_set_it(signed_in, client_user, clinician):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        goal = coaching(client_user, by=client_user)
    check_in_record(goal=goal, by=client_user, value=Decimal("7.5"))
    therapy(client_user, by=clinician, title="Notice anxious thoughts")
    text = body(signed_in.get(goals_url(client_user)))
    assert "Coaching goals" in text and "Therapy goals" in text
    assert "Set by the client" in text and "Set by you" in text
    assert "50% of the way" in text and "7.5 km" in text
    assert "<dt>Missed</dt><dd>1</dd>" in text  # yesterday's 09:00 passed without one


def test_set_goal_for_client(signed_in, client_user, clinician):
    url = reverse("goals:clinician_goal_new", args=[client_user.public_id, "therapy"])
    page = signed_in.post(url, {"title": "", "cadence": "daily", "check_in_time": "09:00"})
    assert 'id="id_title_error"' in body(page)
    assert not Goal.objects.exists()
    page = signed_in.post(url, {"title": "Sleep by 11", "skills": "Wind-down routine",
                                "cadence": "daily", "check_in_time": "21:30"})
    goal = Goal.objects.get()
    assert page.status_code == 302 and page["Location"] == goal_url(goal)
    assert goal.created_by == clinician and not goal.needs_approval


def test_approve_suggested_goal(signed_in, client_user, clinician):
    suggested = therapy(client_user, by=client_user)
    text = body(signed_in.get(goals_url(client_user)))
    assert "Awaiting approval" in text
    approve = reverse("goals:clinician_goal_approve", args=[suggested.public_id])
    assert approve in text
    assert signed_in.post(approve).status_code == 302
    suggested.refresh_from_db()
    assert suggested.approved_by == clinician and not suggested.needs_approval


def test_comment_on_goal_and_check_in_notifies_client(signed_in, client, client_user,
                                                      clinician):
    goal = coaching(client_user, by=client_user)
    check_in = check_in_record(goal=goal, by=client_user, value=Decimal("6"))
    page = signed_in.post(goal_url(goal), {"text": "  "})
    assert 'id="id_text_error"' in body(page)
    page = signed_in.post(goal_url(goal), {"text": "Keep going", "about": ""})
    assert page.status_code == 302
    page = signed_in.post(goal_url(goal), {"text": "Big jump!",
                                           "about": str(check_in.public_id)})
    assert page.status_code == 302
    assert Comment.objects.get(text="Big jump!").check_in == check_in
    assert Comment.objects.get(text="Keep going").check_in is None
    notes = Notification.objects.filter(recipient=client_user, kind="goal_comment")
    assert notes.count() == 2
    # The client reads both on the goal's page.
    client.force_login(client_user)
    text = body(client.get(reverse("goals:goal", args=[goal.public_id])))
    assert "Keep going" in text and "Big jump!" in text


def test_goal_page_shows_check_ins_and_chart(signed_in, client_user):
    goal = therapy(client_user, by=client_user)
    from goals.services import goal_approve
    goal_approve(goal=goal, by=client_user.client_profile.clinician)
    check_in_record(goal=goal, by=client_user, practice_count=3, rating=6, note="Better")
    text = body(signed_in.get(goal_url(goal)))
    assert "<svg" in text and "Times practised" in text
    assert "Better" in text and "6/10" in text
    # In the clinician's zone (Chicago: 15:00 UTC is 10:00).
    assert "Tue 10 Mar 2026, 10:00" in text


# --- Query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 5])
def test_query_counts(signed_in, client_user, clinician, count, django_assert_num_queries):
    goals = []
    for n in range(count):
        with time_machine.travel(NOW - timedelta(days=12), tick=False):
            goal = coaching(client_user, by=client_user, title=f"Coaching {n}")
            calm = therapy(client_user, by=clinician, title=f"Calm {n}")
        action_step_add(goal=goal, by=client_user, text="A step")
        for day in range(10):
            with time_machine.travel(NOW - timedelta(days=day, hours=1), tick=False):
                check_in_record(goal=goal, by=client_user, value=Decimal(5 + day % 3))
                check_in_record(goal=calm, by=client_user, practice_count=2, rating=5)
        goals.append(goal)
    # 1. session with user  2. MFA check (staff middleware)  3. the client with profile
    # 4. clinician profile (the lines they provide)  5. goals with creator and client
    # 6. check-ins  7. steps  8. comments with authors  9. the client's reminder preference
    # 10. the access-log row
    with django_assert_num_queries(10):
        assert signed_in.get(goals_url(client_user)).status_code == 200
    # 1. session with user  2. MFA check  3. clinician profile  4. the goal with creator and
    # client  5. check-ins  6. steps  7. comments with authors  8. reminder preference
    # 9. the access-log row
    with django_assert_num_queries(9):
        assert signed_in.get(goal_url(goals[0])).status_code == 200
