"""The clinician's outcomes page and the client's progress page (issue 17): what each shows,
the firewall, sharing, event notes, bad input, and query counts that do not grow."""

from __future__ import annotations

import statistics
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clients.models import AccessLog, ClinicianProfile, ServiceLines, User
from goals.services import check_in_record, goal_create
from screening.models import MeasureEvent, MeasureShare
from screening.selectors import practice_baselines
from screening.services import measure_event_add, measure_share_set, screening_submit_many
from screening.tests.conftest import answers

pytestmark = pytest.mark.django_db

SEVERITY_WORDS = ("minimal", "mild", "moderate", "severe", "caseness", "PHQ-9", "GAD-7",
                  "deteriorat", "depress", "anxiety")


def phq9(total: int) -> dict[str, int]:
    """PHQ-9 answers with this total and item 9 at zero (no safety answer)."""
    values, left = {}, total
    for n in range(1, 9):
        values[f"item{n}"] = min(3, left)
        left -= values[f"item{n}"]
    assert left == 0
    return answers("phq9", **values)


def who5(raw: int) -> dict[str, int]:
    values, left = {}, raw
    for n in range(1, 6):
        values[f"item{n}"] = min(5, left)
        left -= values[f"item{n}"]
    return answers("who5", **values)


def measured(person, *, weeks: int, phq9_totals=(18, 11), who5_raws=(10, 16)) -> None:
    """Answers every week from ``weeks`` ago: PHQ-9, GAD-7 and WHO-5 going from the first to
    the second value of each pair."""
    start = timezone.now() - timedelta(weeks=weeks)
    for week in range(weeks + 1):
        share = week / weeks if weeks else 1
        total = round(phq9_totals[0] + (phq9_totals[1] - phq9_totals[0]) * share)
        raw = round(who5_raws[0] + (who5_raws[1] - who5_raws[0]) * share)
        gad = answers("gad7", item1=3, item2=3, item3=3 if week == 0 else 0)
        screening_submit_many(client=person, answers_by_instrument={
            "phq9": phq9(total), "gad7": gad, "who5": who5(raw)},
            submitted_at=start + timedelta(weeks=week))


def today(person) -> date:
    return timezone.localdate(timezone=person.zone)


def outcomes_url(person) -> str:
    return reverse("screening:client_outcomes", args=[person.public_id])


@pytest.fixture
def signed_in(client, clinician):
    client.force_login(clinician)
    return client


def coach_only(clinician) -> None:
    ClinicianProfile.objects.filter(user=clinician).update(service_lines="coaching")


# --- The clinician's page -------------------------------------------------------------------


def test_the_outcome_stands_beside_each_latest_score(signed_in, client_user):
    measured(client_user, weeks=4)
    body = signed_in.get(outcomes_url(client_user)).content.decode()
    # PHQ-9 18 → 11: 7 points better, still at caseness; GAD-7 9 → 6: recovered, not reliable
    # (3 points); WHO-5 40 % → 64 %: reliably recovered.
    assert 'data-outcome="improved"' in body
    assert "Latest <strong>11</strong>" in body and "baseline 18" in body
    assert "Reliable improvement" in body
    assert "Recovered (change not reliable)" in body
    assert "Latest <strong>64%</strong>" in body and "Reliably recovered" in body
    assert body.count('class="chart__threshold"') == 3
    assert body.count('class="chart__band"') == 3
    assert "NHS Talking Therapies" in body
    assert "after 30 baselines (the practice has 1)" in body
    assert AccessLog.objects.filter(client=client_user, what="screening",
                                    detail="outcomes").count() == 1


def test_the_practice_index_appears_beside_the_fixed_threshold_from_thirty_baselines(
        signed_in, client_user, make_client, clinician):
    measured(client_user, weeks=2)
    totals = [5, 8, 10, 12, 14, 16, 20, 9, 11, 13] * 3  # 30 other clients' baselines
    when = timezone.now() - timedelta(weeks=10)
    for total in totals[:28]:
        screening_submit_many(client=make_client(clinician=clinician),
                              answers_by_instrument={"phq9": phq9(total)}, submitted_at=when)
    body = signed_in.get(outcomes_url(client_user)).content.decode()
    assert "Practice index" in body and "(the practice has 29)" in body
    screening_submit_many(client=make_client(clinician=clinician),
                          answers_by_instrument={"phq9": phq9(totals[28])}, submitted_at=when)
    body = signed_in.get(outcomes_url(client_user)).content.decode()
    count, sd = practice_baselines(["phq9"])["phq9"]
    assert count == 30
    assert sd == pytest.approx(statistics.stdev([18, *totals[:29]]))
    assert "Practice index (Jacobson–Truax, 30 baselines" in body
    # The fixed threshold's verdict is still there, not replaced.
    assert "Reliable improvement" in body


def test_a_baseline_is_each_clients_first_answer_only(client_user, stranger):
    measured(client_user, weeks=3)  # four PHQ-9s: only the 18 counts
    screening_submit_many(client=stranger, answers_by_instrument={"phq9": phq9(4)})
    screening_submit_many(client=stranger, answers_by_instrument={"phq9": phq9(24)})
    count, sd = practice_baselines(["phq9"])["phq9"]
    assert count == 2 and sd == pytest.approx(statistics.stdev([18, 4]))
    assert practice_baselines(["gad7", "pcl5"])["pcl5"] == (0, None)


def test_behind_the_firewall_the_coach_sees_wellbeing_and_coaching_events_only(
        signed_in, client_user, clinician, other_clinician):
    measured(client_user, weeks=4)
    measure_event_add(client=client_user, occurred_on=today(clinician) - timedelta(days=7),
                      text="Sertraline started", by=clinician)
    coach_only(clinician)
    clinician = User.objects.get(pk=clinician.pk)  # the profile read again
    measure_event_add(client=client_user, occurred_on=today(clinician) - timedelta(days=3),
                      text="New role", by=clinician)
    body = signed_in.get(outcomes_url(client_user)).content.decode()
    assert "WHO-5" in body and "New role" in body
    for word in ("PHQ-9", "GAD-7", "Sertraline", 'data-series="phq9"', 'data-series="gad7"'):
        assert word not in body, word
    assert "You provide coaching only" in body
    # Nor can the coach share a therapy measure.
    page = signed_in.post(reverse("screening:measure_share", args=[client_user.public_id]),
                          {"instrument": "phq9", "shared": "1"}, follow=True)
    assert "Choose one of the measures." in page.content.decode()
    assert not MeasureShare.objects.exists()


def test_only_the_assigned_clinician_opens_it(client, client_user, other_clinician, stranger,
                                              admin_user):
    measured(client_user, weeks=1)
    for person in (other_clinician, stranger, client_user, admin_user):
        client.force_login(person)
        assert client.get(outcomes_url(client_user)).status_code == 404
        assert client.post(reverse("screening:measure_event_add",
                                   args=[client_user.public_id]),
                           {"occurred_on": "2026-01-01", "text": "x"}).status_code == 404
    assert not MeasureEvent.objects.exists()


def test_an_event_is_added_and_drawn_and_bad_input_is_refused_beside_its_field(
        signed_in, client_user, clinician):
    measured(client_user, weeks=2)
    url = reverse("screening:measure_event_add", args=[client_user.public_id])
    yesterday = today(clinician) - timedelta(days=1)
    page = signed_in.post(url, {"occurred_on": yesterday.isoformat(), "text": "New role"})
    assert page.status_code == 302
    body = signed_in.get(outcomes_url(client_user)).content.decode()
    assert body.count('class="chart__event"') == 3 and "New role" in body
    future = today(clinician) + timedelta(days=3)
    for data, field, message in (
            ({"occurred_on": future.isoformat(), "text": "Soon"}, "occurred_on",
             "The date cannot be in the future."),
            ({"occurred_on": "1890-01-01", "text": "Long ago"}, "occurred_on",
             "Enter a date from 2000 on."),
            ({"occurred_on": yesterday.isoformat(), "text": "   "}, "text", "")):
        page = signed_in.post(url, data)
        assert page.status_code == 400
        assert field in page.context["event_form"].errors
        assert message in page.content.decode()
        assert 'class="field__errors"' in page.content.decode()
    assert MeasureEvent.objects.count() == 1


# Every outcomes page: 1. session with user  2. MFA check of the staff middleware  3. the client
# with their profile (assigned)  4. the access-log row  5. the clinician's profile (the
# firewall)  6. the client's responses of the measures  7. the practice's baselines (one
# anti-join)  8. the shares  9. the event notes with their authors
OUTCOMES_QUERIES = 9


def test_the_outcomes_page_costs_the_same_at_two_sizes(signed_in, client_user, clinician,
                                                       make_client, django_assert_num_queries):
    measured(client_user, weeks=1)
    with django_assert_num_queries(OUTCOMES_QUERIES):
        signed_in.get(outcomes_url(client_user))
    measured(client_user, weeks=20)
    for week in range(5):
        measure_event_add(client=client_user, text=f"Event {week}", by=clinician,
                          occurred_on=today(clinician) - timedelta(weeks=week))
    measure_share_set(client=client_user, instrument="phq9", shared=True, by=clinician)
    for _ in range(5):
        measured(make_client(clinician=clinician), weeks=2)
    with django_assert_num_queries(OUTCOMES_QUERIES):
        page = signed_in.get(outcomes_url(client_user))
    assert page.content.decode().count('class="chart__event"') == 15


# --- The client's progress page -------------------------------------------------------------


def progress_url() -> str:
    return reverse("goals:progress")


def test_the_client_sees_wellbeing_by_default_in_plain_words(client, client_user):
    measured(client_user, weeks=4)
    client.force_login(client_user)
    body = client.get(progress_url()).content.decode()
    assert "Your answers show a real improvement since you started." in body
    assert 'data-series="who5"' in body
    assert 'data-series="phq9"' not in body and 'data-series="gad7"' not in body
    for word in SEVERITY_WORDS:
        assert word.lower() not in body.lower(), word
    assert 'class="chart__threshold"' not in body and 'class="chart__band"' not in body


def test_a_measure_shows_once_the_clinician_shares_it(client, signed_in, client_user,
                                                      clinician):
    measured(client_user, weeks=4, phq9_totals=(6, 14))
    share = reverse("screening:measure_share", args=[client_user.public_id])
    assert signed_in.post(share, {"instrument": "phq9", "shared": "1"}).status_code == 302
    assert signed_in.post(share, {"instrument": "who5", "shared": "0"}).status_code == 302
    client.force_login(client_user)
    body = client.get(progress_url()).content.decode()
    assert 'data-series="phq9"' in body and 'data-series="who5"' not in body
    # PHQ-9 6 → 14: worse, said without a severity word.
    assert "things have been harder lately than when you started" in body
    for word in SEVERITY_WORDS:
        assert word.lower() not in body.lower(), word


def test_coaching_goals_stand_beside_wellbeing(client, client_user):
    measured(client_user, weeks=2)
    goal = goal_create(client=client_user, service_line="coaching", created_by=client_user,
                       title="Run a 10k", metric="km", unit="km", baseline=Decimal(2),
                       target=Decimal(10), direction="up", cadence="daily")
    check_in_record(goal=goal, by=client_user, value=Decimal(6))
    goal_create(client=client_user, service_line="therapy", created_by=client_user,
                title="Sleep routine", cadence="daily")
    client.force_login(client_user)
    body = client.get(progress_url()).content.decode()
    assert "Run a 10k" in body and "50% of the way to your target" in body
    assert "Sleep routine" not in body


def test_nothing_shared_yet(client, make_client):
    person = make_client(service_lines=ServiceLines.THERAPY)
    client.force_login(person)
    assert "Nothing to show yet" in client.get(progress_url()).content.decode()


# The progress page: 1. session with user  2. the shares  3. the shared measures' responses
# 4. reminder preferences  5. the client's profile (their lines)  7-9. goals with check-ins,
# steps and comments (four queries)
PROGRESS_QUERIES = 9


def test_the_progress_page_costs_the_same_at_two_sizes(client, client_user, clinician,
                                                       django_assert_num_queries):
    measured(client_user, weeks=1)
    goal_create(client=client_user, service_line="coaching", created_by=client_user,
                title="Goal", metric="km", unit="km", baseline=Decimal(0),
                target=Decimal(10), direction="up", cadence="daily")
    client.force_login(client_user)
    with django_assert_num_queries(PROGRESS_QUERIES):
        client.get(progress_url())
    measured(client_user, weeks=30)
    measure_share_set(client=client_user, instrument="gad7", shared=True, by=clinician)
    for n in range(4):
        goal_create(client=client_user, service_line="coaching", created_by=client_user,
                    title=f"Goal {n}", metric="km", unit="km", baseline=Decimal(0),
                    target=Decimal(10), direction="up", cadence="daily")
    with django_assert_num_queries(PROGRESS_QUERIES):
        page = client.get(progress_url())
    assert 'data-series="gad7"' in page.content.decode()


def test_times_on_the_charts_are_the_viewers(client, client_user):
    with time_machine.travel(date(2026, 3, 1)):
        measured(client_user, weeks=2)
    client.force_login(client_user)
    assert "Feb 2026" in client.get(progress_url()).content.decode()
