"""Hostile input straight into the services (issue 13), the way a future API or a task would
call them: typed values at their boundaries (huge and negative integers, decimals past the
column, dates at 1 January of year 1 and 31 December 9999, 29 February, local times that do
not exist on the day clocks go forward) and hostile text. Every call either succeeds or raises
ValidationError (or the service's own refusal) and then leaves every row count as it was:
never a database error, an overflow or a half-written change."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from clients.services import account_closure_request, clinician_note_add, consent_sign
from goals.services import (
    action_step_add,
    check_in_record,
    comment_add,
    goal_create,
    goal_update,
    reminder_preference_update,
)
from portal.tests.hostile import CLASSIC_TEXT
from portal.tests.test_fuzz_forms import row_counts
from screening.services import screening_submit
from sessions.services import BookingNotAllowed, SlotUnavailable, appointment_book
from sessions.tests.conftest import service_type, weekdays_nine_to_five
from workspace.services import attention_acknowledge

text = st.one_of(st.sampled_from(CLASSIC_TEXT),
                 st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)),
                         max_size=40))
ints = st.one_of(st.sampled_from([-1, 0, 10, 11, 1000, 1001, 32767, 32768, 2**31, 2**63, -2**63]),
                 st.integers(min_value=-2**64, max_value=2**64))
decimals = st.one_of(st.sampled_from([Decimal("-1"), Decimal("0"), Decimal("99999999.99"),
                                      Decimal("100000000"), Decimal("1e30"), Decimal("0.001"),
                                      Decimal("NaN"), Decimal("Infinity")]),
                     st.decimals(allow_nan=False, allow_infinity=False, places=3))
dates = st.one_of(st.sampled_from([date.min, date.max, date(2028, 2, 29), date(2027, 3, 14)]),
                  st.dates())
times = st.one_of(st.sampled_from([time(0, 0), time(2, 30), time(1, 30), time(23, 59, 59),
                                   time.max]), st.times())
datetimes = st.one_of(
    st.sampled_from([datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC),
                     datetime(2027, 3, 14, 7, 30, tzinfo=UTC),
                     datetime(2028, 2, 29, 15, 0, tzinfo=UTC)]),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                 timezones=st.just(UTC)))
REFUSALS = (ValidationError, BookingNotAllowed, SlotUnavailable)


def assert_all_or_nothing(call) -> None:
    before = row_counts()
    try:
        call()
    except REFUSALS:
        assert row_counts() == before


@pytest.fixture
def goals_of(client_user, clinician):
    coaching = goal_create(client=client_user, service_line="coaching", created_by=client_user,
                           title="Run", metric="km", unit="km", baseline=Decimal("1"),
                           target=Decimal("5"), direction="up", cadence="daily")
    therapy = goal_create(client=client_user, service_line="therapy", created_by=clinician,
                          title="Breathe", skills="Box breathing", cadence="daily")
    return coaching, therapy


SERVICES = ["goal_create", "goal_update", "check_in_record", "comment_add", "action_step_add",
            "reminder_preference_update", "clinician_note_add", "account_closure_request",
            "consent_sign", "attention_acknowledge", "screening_submit", "appointment_book"]


@pytest.mark.parametrize("service", SERVICES)
def test_service_is_all_or_nothing_under_hostile_values(service, client_user, clinician,
                                                        goals_of):
    coaching, therapy = goals_of
    weekdays_nine_to_five(clinician)
    consultation = service_type("therapy-consultation")

    calls = {
        "goal_create": st.builds(
            lambda title, why, baseline, target, due, at, weekday: lambda: goal_create(
                client=client_user, service_line="coaching", created_by=client_user,
                title=title, why=why, metric="km", baseline=baseline, target=target,
                direction="up", due_date=due, check_in_time=at, cadence="weekly",
                cadence_weekday=weekday),
            text, text, decimals, decimals, dates, times, ints),
        "goal_update": st.builds(
            lambda title, skills, frequency: lambda: goal_update(
                goal=therapy, by=client_user, title=title, skills=skills,
                practice_frequency=frequency),
            text, text, text),
        "check_in_record": st.builds(
            lambda count, rating, confidence, note: lambda: check_in_record(
                goal=therapy, by=client_user, practice_count=count, rating=rating,
                confidence=confidence, note=note),
            ints, ints, ints, text),
        "comment_add": st.builds(
            lambda body: lambda: comment_add(goal=coaching, author=clinician, text=body), text),
        "action_step_add": st.builds(
            lambda body, due: lambda: action_step_add(goal=coaching, by=client_user, text=body,
                                                      due_date=due),
            text, dates),
        "reminder_preference_update": st.builds(
            lambda start, end: lambda: reminder_preference_update(
                client=client_user, quiet_start=start, quiet_end=end),
            times, times),
        "clinician_note_add": st.builds(
            lambda body: lambda: clinician_note_add(client=client_user, author=clinician,
                                                    text=body), text),
        "account_closure_request": st.builds(
            lambda reason: lambda: account_closure_request(client=client_user, reason=reason),
            text),
        "consent_sign": st.builds(
            lambda name, address, agent: lambda: consent_sign(
                client=client_user, document=_privacy(), typed_name=name, understood=True,
                ip_address=address, user_agent=agent),
            text, text, text),
        "attention_acknowledge": st.builds(
            lambda rule, fingerprint, note: lambda: attention_acknowledge(
                clinician=clinician, client=client_user, rule=rule, fingerprint=fingerprint,
                note=note),
            st.one_of(st.sampled_from(["missed_check_ins", "deterioration"]), text), text,
            text),
        "screening_submit": st.builds(
            lambda code, values: lambda: screening_submit(
                client=client_user, instrument=code,
                answers={f"item{i + 1}": value for i, value in enumerate(values)}),
            st.sampled_from(["phq9", "gad7", "who5", "safety", "nope"]),
            st.lists(ints, min_size=0, max_size=10)),
        "appointment_book": st.builds(
            lambda start: lambda: appointment_book(
                client=client_user, clinician=clinician, service_type=consultation,
                start=start, by=clinician),
            datetimes),
    }

    @given(call=calls[service])
    def run(call) -> None:
        assert_all_or_nothing(call)

    run()


def _privacy():
    from clients.models import ConsentDocument

    return (ConsentDocument.objects.filter(kind="privacy", published_at__isnull=False)
            .order_by("-version").first())


def test_a_nul_in_any_text_is_refused_by_the_service(client_user, clinician, goals_of):
    """Every service that stores text refuses a NUL with a ValidationError, not a DataError
    (hypothesis may not draw one for every service in a few examples; this always does).
    Clinician notes are left out: only their ciphertext is stored, and a NUL in it is fine."""
    coaching, therapy = goals_of
    nul = "a\x00b"
    calls = {
        "goal_create": lambda: goal_create(client=client_user, service_line="therapy",
                                           created_by=client_user, title=nul, cadence="daily"),
        "goal_update": lambda: goal_update(goal=therapy, by=client_user, skills=nul),
        "check_in_record": lambda: check_in_record(goal=therapy, by=client_user,
                                                   practice_count=1, note=nul),
        "comment_add": lambda: comment_add(goal=coaching, author=clinician, text=nul),
        "action_step_add": lambda: action_step_add(goal=coaching, by=client_user, text=nul),
        "account_closure_request": lambda: account_closure_request(client=client_user,
                                                                   reason=nul),
        "consent_sign": lambda: consent_sign(client=client_user, document=_privacy(),
                                             typed_name=nul, understood=True,
                                             ip_address=nul, user_agent=nul),
        "attention_acknowledge": lambda: attention_acknowledge(
            clinician=clinician, client=client_user, rule="missed_check_ins",
            fingerprint=nul, note=nul),
    }
    for name, call in calls.items():
        before = row_counts()
        with pytest.raises(ValidationError):
            call()
        assert row_counts() == before, name


def test_a_refused_goal_update_leaves_the_goal_as_it_was(client_user, goals_of):
    """Found by ``make fuzz``: a refused update used to leave its values on the goal object,
    and the next update then stored them (a NUL in changes_since_approval: a DataError)."""
    _, therapy = goals_of
    with pytest.raises(ValidationError):
        goal_update(goal=therapy, by=client_user, skills="a\x00b")
    assert therapy.skills == "Box breathing"
    goal_update(goal=therapy, by=client_user, title="Breathe slowly")
    therapy.refresh_from_db()
    assert therapy.changes_since_approval == {
        "title": {"was": "Breathe", "now": "Breathe slowly"}}
