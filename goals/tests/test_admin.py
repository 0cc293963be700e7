"""Goals in Django admin: every page renders for the practice admin, check-ins and comments
are read-only history, and the goal list does not grow in queries with the rows."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest
from django.urls import reverse

from goals.models import CheckIn, Comment, Goal, ReminderPreference
from goals.services import action_step_add, check_in_record, comment_add, goal_create

pytestmark = pytest.mark.django_db


def make_goal(person, title="Run further") -> Goal:
    goal = goal_create(client=person, service_line="coaching", created_by=person, title=title,
                       metric="Distance", unit="km", baseline=Decimal("5"),
                       target=Decimal("10"), direction="up", cadence="daily",
                       check_in_time=time(9))
    action_step_add(goal=goal, by=person, text="Buy shoes")
    check_in_record(goal=goal, by=person, value=Decimal("6"))
    return goal


def test_every_goals_admin_page_renders(admin_client, client_user, clinician):
    goal = make_goal(client_user)
    comment_add(goal=goal, author=clinician, text="Well done")
    objects = {"goal": goal, "checkin": CheckIn.objects.get(goal=goal),
               "comment": Comment.objects.get(goal=goal),
               "reminderpreference": ReminderPreference.objects.get(client=client_user)}
    for model, obj in objects.items():
        changelist = reverse(f"admin:goals_{model}_changelist")
        page = admin_client.get(changelist)
        assert page.status_code == 200, model
        assert admin_client.get(changelist + "?q=client%40example.com").status_code == 200
        page = admin_client.get(reverse(f"admin:goals_{model}_change", args=[obj.pk]))
        assert page.status_code == 200, model
    body = admin_client.get(reverse("admin:goals_goal_change", args=[goal.pk])).content.decode()
    assert "Buy shoes" in body  # the steps inline


def test_check_ins_and_comments_are_read_only(admin_client, client_user, clinician):
    goal = make_goal(client_user)
    comment = comment_add(goal=goal, author=clinician, text="Well done")
    check_in = CheckIn.objects.get(goal=goal)
    for model, obj in (("checkin", check_in), ("comment", comment)):
        body = admin_client.get(reverse(f"admin:goals_{model}_change",
                                        args=[obj.pk])).content.decode()
        assert 'name="_save"' not in body
        assert admin_client.get(reverse(f"admin:goals_{model}_add")).status_code == 403
        assert admin_client.get(reverse(f"admin:goals_{model}_delete",
                                        args=[obj.pk])).status_code == 403
    # The goal's own page shows its check-ins but cannot add or change them.
    body = admin_client.get(reverse("admin:goals_goal_change", args=[goal.pk])).content.decode()
    assert 'name="check_ins-0-value"' not in body


def test_goal_list_queries_do_not_grow(admin_client, client_user, make_client, clinician,
                                       django_assert_max_num_queries):
    make_goal(client_user)
    url = reverse("admin:goals_goal_changelist")
    admin_client.get(url)
    with django_assert_max_num_queries(12) as one:
        admin_client.get(url)
    for n in range(5):
        make_goal(make_client(clinician=clinician, service_lines="coaching"), title=f"G{n}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        admin_client.get(url)
