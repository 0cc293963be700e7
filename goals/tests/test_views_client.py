"""The client's goals pages: who reaches them, the firewall in wording, setting goals with
errors beside their fields, the check-in page (several goals, all or nothing, the weekly WHO-5),
steps, status, reminders, and query counts that do not grow with goals or check-ins."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from clients.models import ServiceLines
from goals.models import ActionStep, CheckIn, Goal, ReminderPreference
from goals.services import action_step_add, check_in_record, goal_approve, goal_create
from screening.models import ScreeningResponse
from screening.tests.conftest import answers

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # a Tuesday; 11:00 in New York


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def coaching(person, *, by=None, title="Run further", **fields) -> Goal:
    values = {"metric": "Distance", "unit": "km", "baseline": Decimal("5"),
              "target": Decimal("10"), "direction": "up", "cadence": "daily",
              "check_in_time": time(9, 0), **fields}
    return goal_create(client=person, service_line="coaching", created_by=by or person,
                       title=title, **values)


def therapy(person, *, by=None, title="Feel calmer at work", **fields) -> Goal:
    values = {"skills": "Box breathing", "practice_frequency": "Daily", "cadence": "daily",
              "check_in_time": time(9, 0), **fields}
    return goal_create(client=person, service_line="therapy", created_by=by or person,
                       title=title, **values)


def body(response) -> str:
    return response.content.decode()


@pytest.fixture
def signed_in(client, client_user):
    client.force_login(client_user)
    return client


def goal_urls(goal: Goal) -> list[str]:
    return [reverse(name, args=[goal.public_id]) for name in (
        "goals:goal", "goals:goal_edit", "goals:goal_check_in")]


def goal_posts(goal: Goal) -> list[tuple[str, dict]]:
    return [
        (reverse("goals:goal_status", args=[goal.public_id]), {"status": "dropped"}),
        (reverse("goals:step_add", args=[goal.public_id]), {"text": "x"}),
        (reverse("goals:step_done", args=[goal.public_id]), {"step": "1", "done": "1"}),
        (reverse("goals:goal_edit", args=[goal.public_id]), {"title": "x"}),
        (reverse("goals:goal_check_in", args=[goal.public_id]), {}),
    ]


# --- Who reaches which page -----------------------------------------------------------------


def test_permissions(client, client_user, clinician, stranger, other_clinician, admin_user):
    goal = coaching(client_user)
    action_step_add(goal=goal, by=client_user, text="Buy shoes")
    pages = [reverse("goals:goals"), reverse("goals:check_in"), reverse("goals:reminders"),
             reverse("goals:goal_new", args=["coaching"]), *goal_urls(goal)]

    for url in pages:
        page = client.get(url)
        assert page.status_code == 302 and page["Location"].startswith(reverse("account_login"))

    # Another client: 404 on every URL of client_user's goal, reads and writes.
    client.force_login(stranger)
    for url in goal_urls(goal):
        assert client.get(url).status_code == 404, url
    for url, data in goal_posts(goal):
        assert client.post(url, data).status_code == 404, url
    goal.refresh_from_db()
    assert goal.status == "active" and goal.title == "Run further"
    assert ActionStep.objects.filter(goal=goal).count() == 1
    # A line the client does not use.
    assert client.get(reverse("goals:goal_new", args=["therapy"])).status_code == 404
    assert client.get(reverse("goals:goal_new", args=["nonsense"])).status_code == 404
    assert client.get(reverse("goals:goal", args=[uuid.uuid4()])).status_code == 404

    # Staff: the client pages are not theirs, whoever's goal it is.
    for person in (clinician, other_clinician, admin_user):
        client.force_login(person)
        for url in pages:
            assert client.get(url).status_code == 404, (person, url)


def test_client_whose_line_ended_does_not_see_its_goals(client, client_user):
    goal = therapy(client_user)
    client_user.client_profile.service_lines = ServiceLines.COACHING
    client_user.client_profile.save()
    client.force_login(client_user)
    assert client.get(reverse("goals:goal", args=[goal.public_id])).status_code == 404


# --- The list -------------------------------------------------------------------------------


def test_both_lines_two_sections_with_progress(signed_in, client_user, clinician):
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        goal = coaching(client_user)
        check_in_record(goal=goal, by=client_user, value=Decimal("6"))
    check_in_record(goal=goal, by=client_user, value=Decimal("7.5"))
    suggested = therapy(client_user, title="Sleep before midnight")
    therapy(client_user, by=clinician, title="Notice anxious thoughts")

    page = signed_in.get(reverse("goals:goals"))
    assert page.status_code == 200
    text = body(page)
    assert text.index("Coaching goals") < text.index("Treatment plan goals")
    assert "Set a coaching goal" in text and "Suggest a therapy goal" in text
    assert reverse("goals:reminders") in text and reverse("goals:check_in") in text
    # 7.5 of 5 → 10: half way.
    assert "7.5 km" in text and "target 10 km" in text
    assert '<progress class="goal-progress__bar" max="100" value="50"' in text
    assert "50% of the way" in text
    assert re.search(r"<dt>Streak</dt><dd>2</dd>", text)
    # The suggested goal is labelled and has no check-in link; the clinician's has one.
    assert "Awaiting approval" in text
    assert reverse("goals:goal_check_in", args=[suggested.public_id]) not in text
    assert "Set by you" in text and "Set by Dana Reyes" in text
    assert "style=" not in text


def test_coaching_only_client_reads_no_therapy_word(client, make_client, clinician):
    person = make_client(clinician=clinician, service_lines=ServiceLines.COACHING)
    goal = coaching(person)
    check_in_record(goal=goal, by=person, value=Decimal("6"), who5_answers=answers(
        "who5", item1=3))
    client.force_login(person)
    urls = [reverse("goals:goals"), reverse("goals:check_in"), reverse("goals:reminders"),
            reverse("goals:goal_new", args=["coaching"]), *goal_urls(goal)]
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, url
        text = body(page)
        for word in ("therapy", "Therapy", "treatment", "Treatment"):
            assert word not in text, (url, word)


def test_empty_states(client, make_client, clinician):
    person = make_client(clinician=clinician, service_lines=ServiceLines.BOTH)
    client.force_login(person)
    text = body(client.get(reverse("goals:goals")))
    assert "No coaching goals yet" in text and "No treatment plan goals yet" in text
    assert reverse("goals:check_in") not in text  # nothing to check in on


# --- Setting and editing goals --------------------------------------------------------------


def coaching_data(**changes) -> dict:
    return {"title": "Ship the side project", "why": "Freedom", "metric": "Hours of focus",
            "unit": "h", "baseline": "2", "target": "10", "direction": "up",
            "due_date": "2026-06-01", "cadence": "weekly", "cadence_weekday": "4",
            "check_in_time": "18:30", **changes}


def test_set_coaching_goal(signed_in, client_user):
    page = signed_in.post(reverse("goals:goal_new", args=["coaching"]), coaching_data())
    goal = Goal.objects.get(client=client_user)
    assert page.status_code == 302 and page["Location"] == reverse("goals:goal",
                                                                   args=[goal.public_id])
    assert (goal.service_line, goal.target, goal.cadence_weekday, goal.created_by) == (
        "coaching", Decimal("10"), 4, client_user)
    assert goal.check_in_time == time(18, 30)


def test_weekly_goal_without_a_weekday_checks_in_on_the_day_it_was_set(signed_in, client_user):
    """The form's own defaults ("Every week", no day) are a valid goal: the day it was set."""
    page = signed_in.post(reverse("goals:goal_new", args=["coaching"]),
                          coaching_data(cadence="weekly", cadence_weekday=""))
    goal = Goal.objects.get(client=client_user)
    assert page.status_code == 302
    assert goal.cadence_weekday == NOW.weekday() == 1  # a Tuesday in New York too
    # Edited to fortnightly without a day: the day it was set again.
    signed_in.post(reverse("goals:goal_edit", args=[goal.public_id]),
                   coaching_data(cadence="fortnightly", cadence_weekday=""))
    goal.refresh_from_db()
    assert (goal.cadence, goal.cadence_weekday) == ("fortnightly", 1)


def field_error(text: str, field: str) -> str:
    """The error list tied to a field (includes/field_errors.html), or ""."""
    match = re.search(rf'<ul class="field__errors" id="id_{field}_error">(.*?)</ul>', text, re.S)
    return match.group(1) if match else ""


def test_coaching_goal_errors_beside_fields(signed_in, client_user):
    url = reverse("goals:goal_new", args=["coaching"])
    # The model's clean(): measurable, and the target on the right side of the baseline.
    page = signed_in.post(url, coaching_data(metric="", target="1", cadence_weekday=""))
    assert page.status_code == 200
    text = body(page)
    assert "fill this in" in field_error(text, "metric")
    assert not field_error(text, "cadence_weekday")  # optional: it is not the problem
    # The summary names each field with a problem and links to it.
    summary = re.search(r'<div class="alert alert--error"[^>]*>(.*?)</div>', text, re.S).group(1)
    assert '<a href="#id_metric">What you will measure</a>' in summary
    assert "Day of the week" not in summary
    assert Goal.objects.count() == 0
    page = signed_in.post(url, coaching_data(target="1"))
    assert "other side of the baseline" in field_error(body(page), "direction")
    page = signed_in.post(url, coaching_data(baseline="abc", title=""))
    text = body(page)
    assert field_error(text, "baseline") and field_error(text, "title")
    assert "Error:" in text and 'aria-invalid="true"' in text
    assert Goal.objects.count() == 0


def test_suggest_therapy_goal(signed_in, client_user):
    url = reverse("goals:goal_new", args=["therapy"])
    page = signed_in.post(url, {"title": "", "skills": "Thought record", "cadence": "weekly",
                                "cadence_weekday": "0", "check_in_time": "20:00"})
    assert field_error(body(page), "title")
    assert Goal.objects.count() == 0
    page = signed_in.post(url, {"title": "Speak up in meetings", "skills": "Thought record",
                                "practice_frequency": "Twice a week", "cadence": "weekly",
                                "cadence_weekday": "0", "check_in_time": "20:00"})
    goal = Goal.objects.get(client=client_user)
    assert goal.service_line == "therapy" and goal.needs_approval
    text = body(signed_in.get(page["Location"]))
    assert "Awaiting your clinician's approval" in text
    assert reverse("goals:goal_check_in", args=[goal.public_id]) not in text


def test_edit_goal(signed_in, client_user):
    goal = coaching(client_user)
    url = reverse("goals:goal_edit", args=[goal.public_id])
    assert 'value="Run further"' in body(signed_in.get(url))
    page = signed_in.post(url, coaching_data(title="Run a half marathon", target="1"))
    assert "other side of the baseline" in field_error(body(page), "direction")
    goal.refresh_from_db()
    assert goal.title == "Run further"
    page = signed_in.post(url, coaching_data(title="Run a half marathon", baseline="5",
                                             target="21"))
    assert page.status_code == 302
    goal.refresh_from_db()
    assert goal.title == "Run a half marathon" and goal.target == Decimal("21")


# --- The goal's page: steps, status, history ------------------------------------------------


def test_goal_page_steps_and_status(signed_in, client_user, clinician):
    goal = coaching(client_user, by=clinician)
    detail = reverse("goals:goal", args=[goal.public_id])
    page = signed_in.post(reverse("goals:step_add", args=[goal.public_id]), {"text": "  "})
    assert field_error(body(page), "text")
    signed_in.post(reverse("goals:step_add", args=[goal.public_id]),
                   {"text": "Buy shoes", "due_date": "2026-03-20"})
    step = ActionStep.objects.get(goal=goal)
    assert step.due_date == date(2026, 3, 20)
    signed_in.post(reverse("goals:step_done", args=[goal.public_id]),
                   {"step": step.pk, "done": "1"})
    step.refresh_from_db()
    assert step.done
    signed_in.post(reverse("goals:step_done", args=[goal.public_id]),
                   {"step": step.pk, "done": "0"})
    step.refresh_from_db()
    assert not step.done
    # A step of another goal is not found through this one.
    other = coaching(client_user, title="Other")
    assert signed_in.post(reverse("goals:step_done", args=[other.public_id]),
                          {"step": step.pk, "done": "1"}).status_code == 404

    page = signed_in.post(reverse("goals:goal_status", args=[goal.public_id]),
                          {"status": "achieved"})
    assert page.status_code == 302
    goal.refresh_from_db()
    assert goal.status == "achieved"
    text = body(signed_in.get(detail))
    assert "Set by Dana Reyes" in text and "Make active again" in text
    assert reverse("goals:goal_check_in", args=[goal.public_id]) not in text


def test_goal_page_history_chart_and_comments(signed_in, client_user, clinician):
    from goals.services import comment_add

    with time_machine.travel(NOW - timedelta(days=2), tick=False):
        goal = coaching(client_user)
        check_in_record(goal=goal, by=client_user, value=Decimal("6"), note="Slow start")
    latest = check_in_record(goal=goal, by=client_user, value=Decimal("8"), confidence=7)
    comment_add(goal=goal, author=clinician, text="Great progress")
    comment_add(goal=goal, author=clinician, text="Nice jump", check_in=latest)
    text = body(signed_in.get(reverse("goals:goal", args=[goal.public_id])))
    assert "<svg" in text and "<title id=\"goal-chart-title\">Distance over time" in text
    assert "Great progress" in text and "Nice jump" in text
    # Newest first, in the client's zone (New York: 15:00 UTC is 11:00).
    assert text.index("Tue 10 Mar 2026, 11:00") < text.index("Sun 8 Mar 2026")
    assert "Slow start" in text and "7/10" in text


# --- The check-in page ----------------------------------------------------------------------


def prefix(goal: Goal) -> str:
    return goal.public_id.hex


def test_check_in_several_goals_records_only_filled(signed_in, client_user, clinician):
    run = coaching(client_user)
    read = coaching(client_user, title="Read more", metric="Pages", unit="", baseline=0,
                    target=100)
    calm = therapy(client_user, by=clinician)
    suggested = therapy(client_user, title="Not yet approved")
    text = body(signed_in.get(reverse("goals:check_in")))
    for goal in (run, read, calm):
        assert f'name="{prefix(goal)}-confidence"' in text
    assert prefix(suggested) not in text
    assert f'name="{prefix(calm)}-rating"' in text

    page = signed_in.post(reverse("goals:check_in"), {
        f"{prefix(run)}-value": "7", f"{prefix(run)}-confidence": "8",
        f"{prefix(calm)}-practice_count": "3", f"{prefix(calm)}-rating": "6",
        f"{prefix(calm)}-note": "Helped",
        f"{prefix(read)}-value": "", f"{prefix(read)}-note": "",
    })
    assert page.status_code == 302 and page["Location"] == reverse("goals:goals")
    assert CheckIn.objects.count() == 2
    assert CheckIn.objects.get(goal=run).value == Decimal("7")
    calm_check_in = CheckIn.objects.get(goal=calm)
    assert (calm_check_in.practice_count, calm_check_in.rating, calm_check_in.note) == (
        3, 6, "Helped")


def test_check_in_is_all_or_nothing(signed_in, client_user, clinician):
    run = coaching(client_user)
    calm = therapy(client_user, by=clinician)
    page = signed_in.post(reverse("goals:check_in"), {
        f"{prefix(run)}-value": "7",
        f"{prefix(calm)}-rating": "12",  # out of range, and no practice count
    })
    assert page.status_code == 200
    text = body(page)
    assert "Nothing was saved yet" in text
    assert field_error(text, f"{prefix(calm)}-rating")
    assert not field_error(text, f"{prefix(run)}-value")
    assert 'value="7"' in text  # what was typed is kept
    assert CheckIn.objects.count() == 0

    # The service's own errors (a filled goal without its number) also roll everything back.
    page = signed_in.post(reverse("goals:check_in"), {
        f"{prefix(run)}-value": "7",
        f"{prefix(calm)}-note": "Forgot the count",
    })
    assert "How many times did you practise" in field_error(
        body(page), f"{prefix(calm)}-practice_count")
    assert CheckIn.objects.count() == 0

    page = signed_in.post(reverse("goals:check_in"), {})
    assert "Fill in at least one goal" in body(page)


def who5_post(**values) -> dict:
    return {f"who5-{code}": str(value) for code, value in answers("who5", **values).items()}


def test_who5_once_a_week(signed_in, client_user):
    run = coaching(client_user)
    text = body(signed_in.get(reverse("goals:check_in")))
    assert 'name="who5-item1"' in text and "radio-option" in text

    # Started but not finished: errors on the items, nothing saved.
    page = signed_in.post(reverse("goals:check_in"), {f"{prefix(run)}-value": "6",
                                                      "who5-item1": "3"})
    assert "Nothing was saved yet" in body(page)
    assert CheckIn.objects.count() == 0
    # Answered without a coaching check-in to go with.
    page = signed_in.post(reverse("goals:check_in"), who5_post(item1=4))
    assert "Check in on a coaching goal" in body(page)

    page = signed_in.post(reverse("goals:check_in"), {f"{prefix(run)}-value": "6",
                                                      **who5_post(item1=4)})
    assert page.status_code == 302
    check_in = CheckIn.objects.get(goal=run)
    assert check_in.who5.instrument == "who5"
    assert ScreeningResponse.objects.filter(client=client_user, instrument="who5").count() == 1

    # Hidden for the rest of the week, back after seven days.
    assert 'name="who5-item1"' not in body(signed_in.get(reverse("goals:check_in")))
    with time_machine.travel(NOW + timedelta(days=7, minutes=1), tick=False):
        signed_in.force_login(client_user)
        assert 'name="who5-item1"' in body(signed_in.get(reverse("goals:check_in")))


def test_the_blank_who5_is_the_same_markup_for_everyone_and_a_sent_one_is_fresh(
        client, client_user, make_client, clinician):
    """The blank WHO-5 is rendered once per process: it must be exactly what a fresh render
    gives, hold nothing of the person, and never stand in for a sent form's answers."""
    import re

    from django.template.loader import render_to_string

    from goals.forms import Who5Form
    from goals.views import _who5_blank

    def who5_section(page: str) -> str:
        return re.search(r'<section class="check-in who5.*?</section>', page, re.S).group(0)

    other = make_client(clinician=clinician, full_name="Robin Lane",
                        service_lines=ServiceLines.BOTH)
    pages = []
    for person in (client_user, other):
        run = coaching(person)
        client.force_login(person)
        pages.append((run, body(client.get(reverse("goals:check_in")))))
    assert who5_section(pages[0][1]) == who5_section(pages[1][1])
    assert "Robin" not in who5_section(pages[1][1])
    fresh = render_to_string("goals/_who5.html", {"who5_form": Who5Form()})
    assert str(_who5_blank()) == fresh
    assert who5_section(fresh) == who5_section(pages[0][1])
    # Sent with one answer: that answer stays checked and the others are marked missing.
    run = pages[1][0]
    page = body(client.post(reverse("goals:check_in"), {f"{prefix(run)}-value": "6",
                                                        "who5-item1": "3"}))
    section = who5_section(page)
    assert re.search(r'name="who5-item1" value="3"[^>]*checked', section)
    assert "check-in--invalid" in section


def test_who5_not_offered_without_coaching_goal(signed_in, client_user, clinician):
    therapy(client_user, by=clinician)
    assert 'name="who5-item1"' not in body(signed_in.get(reverse("goals:check_in")))


def test_single_goal_check_in(signed_in, client_user):
    run = coaching(client_user)
    coaching(client_user, title="Other")
    url = reverse("goals:goal_check_in", args=[run.public_id])
    text = body(signed_in.get(url))
    assert len(re.findall(r'name="[0-9a-f]{32}-confidence"', text)) == 1
    assert signed_in.post(url, {f"{prefix(run)}-value": "9"}).status_code == 302
    assert CheckIn.objects.get().value == Decimal("9")


# --- Reminders ------------------------------------------------------------------------------


def test_reminders_quiet_hours_and_pause(signed_in, client_user):
    url = reverse("goals:reminders")
    text = body(signed_in.get(url))
    assert 'value="21:00"' in text and 'value="08:00"' in text
    assert not ReminderPreference.objects.filter(client=client_user).exists()  # GET: no writes

    page = signed_in.post(url, {"action": "hours", "quiet_start": "xx", "quiet_end": "07:00"})
    assert field_error(body(page), "quiet_start")
    signed_in.post(url, {"action": "hours", "quiet_start": "22:30", "quiet_end": "07:00"})
    preference = ReminderPreference.objects.get(client=client_user)
    assert (preference.quiet_start, preference.quiet_end) == (time(22, 30), time(7))

    signed_in.post(url, {"action": "pause"})
    preference.refresh_from_db()
    assert preference.paused_until == date(2026, 3, 17)
    assert "Resume reminders" in body(signed_in.get(url))
    signed_in.post(url, {"action": "resume"})
    preference.refresh_from_db()
    assert preference.paused_until is None


# --- Query counts ---------------------------------------------------------------------------


def many_goals(person, clinician, count: int) -> list[Goal]:
    goals = []
    for n in range(count):
        with time_machine.travel(NOW - timedelta(days=12), tick=False):
            goal = coaching(person, title=f"Coaching {n}")
            calm = therapy(person, title=f"Calm {n}")
            goal_approve(goal=calm, by=clinician)
        action_step_add(goal=goal, by=person, text="A step")
        for day in range(10):
            with time_machine.travel(NOW - timedelta(days=day, hours=1), tick=False):
                check_in_record(goal=goal, by=person, value=Decimal(5 + day % 3))
                check_in_record(goal=calm, by=person, practice_count=2, rating=5)
        goals += [goal, calm]
    return goals


@pytest.mark.parametrize("count", [1, 5])
def test_query_counts(signed_in, client_user, clinician, count, django_assert_num_queries):
    goals = many_goals(client_user, clinician, count)
    # 1. session with user  2. client profile  3. goals with creator and client
    # 4. their check-ins  5. their steps  6. their comments with authors  7. reminder preference
    with django_assert_num_queries(7):
        assert signed_in.get(reverse("goals:goals")).status_code == 200
    # 1. session with user  2. client profile  3. goals  4. a WHO-5 this week?
    with django_assert_num_queries(4):
        assert signed_in.get(reverse("goals:check_in")).status_code == 200
    # 1. session with user  2. client profile  3–6. the goal with check-ins, steps, comments
    # 7. reminder preference
    with django_assert_num_queries(7):
        assert signed_in.get(reverse("goals:goal", args=[goals[0].public_id])).status_code == 200
    # 1. session with user  2. reminder preference
    with django_assert_num_queries(2):
        assert signed_in.get(reverse("goals:reminders")).status_code == 200
    # 1. session with user  2. client profile
    with django_assert_num_queries(2):
        assert signed_in.get(reverse("goals:goal_new", args=["coaching"])).status_code == 200


# --- The form renderer (issue 15) ---------------------------------------------------------------


def _markup(response) -> str:
    text = body(response)
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    text = re.sub(r'nonce="[^"]+"', "", text)
    return re.sub(r"\s+", " ", text)  # the engines differ in blank lines between tags


def test_the_jinja2_form_renderer_gives_the_same_markup_as_django_templates(
        signed_in, client_user, clinician, settings):
    """FORM_RENDERER renders widgets with Jinja2 for speed; Django's Jinja2 widget templates
    must give the markup the Django-template ones give, fields with errors included."""
    many_goals(client_user, clinician, 2)
    assert settings.FORM_RENDERER == "portal.lib.forms.WidgetRenderer"
    goal = Goal.objects.filter(client=client_user, service_line="coaching").first()
    prefix = goal.public_id.hex
    requests = [
        ("get", reverse("goals:check_in"), None),
        ("post", reverse("goals:check_in"), {f"{prefix}-value": "not a number",
                                             "who5_1": "9"}),
        ("get", reverse("goals:goal_new", args=["coaching"]), None),
        ("post", reverse("goals:goal_new", args=["coaching"]), {"title": "", "target": "x"}),
        ("get", reverse("goals:reminders"), None),
    ]

    def pages() -> list[str]:
        return [_markup(getattr(signed_in, method)(url, data)) for method, url, data in requests]

    with_jinja2 = pages()
    settings.FORM_RENDERER = "django.forms.renderers.DjangoTemplates"
    with_django = pages()
    assert any("field__errors" in page for page in with_jinja2)  # the errors were rendered
    assert with_jinja2 == with_django
