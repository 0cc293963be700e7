"""The role-aware home page: what each person sees, and what it costs in queries."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from clients.models import ClientProfile
from sessions.tests.conftest import consent_publish_new_version


@pytest.fixture
def home_url() -> str:
    return reverse("home")


def test_anonymous_sees_welcome(db, client, home_url, django_assert_num_queries):
    # No session cookie: no queries at all.
    with django_assert_num_queries(0):
        response = client.get(home_url)
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("account_login") in body
    assert reverse("account_signup") in body
    assert "Your next steps" not in body
    assert "Dashboard" not in body
    assert "Open Django admin" not in body
    assert "Sign out" not in body


def test_client_sees_next_steps_and_clinician(client, client_user, home_url,
                                              django_assert_num_queries):
    client.force_login(client_user)
    # 1. session with user  2. the client's home facts: profile with clinician and clinician
    # profile (joins), the current route, any goal, any appointment, an open risk flag
    # (subqueries)  3. next upcoming appointment  4.–5. current consent documents, the
    # client's signatures
    with django_assert_num_queries(5):
        response = client.get(home_url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Your next steps" in body
    assert reverse("clients:consent_overview") in body
    assert reverse("screening:start") in body
    assert reverse("booking:choose_type") in body
    assert reverse("goals:goals") in body
    assert "Support is available right now" not in body
    assert "Dana Reyes" in body  # their clinician
    assert "Alex Morgan" in body  # the signed-in person, in the header
    assert "Client" in body
    assert "Caseload" not in body and "caseload" not in body
    assert "Open Django admin" not in body
    assert reverse("admin:index") not in body


def test_client_without_clinician(client, make_client, home_url, django_assert_num_queries):
    lone = make_client(clinician=None, full_name="Robin Lane")
    client.force_login(lone)
    with django_assert_num_queries(5):
        response = client.get(home_url)
    assert response.status_code == 200
    assert "No clinician assigned yet" in response.content.decode()


def test_client_home_does_not_show_other_people(client, client_user, stranger, other_clinician,
                                                home_url):
    client.force_login(client_user)
    body = client.get(home_url).content.decode()
    assert stranger.full_name not in body
    assert other_clinician.full_name not in body


def _clinician_home_body(client, clinician, home_url, django_assert_num_queries, *,
                         names_clients: bool = False) -> str:
    client.force_login(clinician)
    # 1. session with user  2. MFA check of the staff middleware (authenticator exists)
    # 3. caseload with the clinician's acknowledgements and service line (subqueries)
    # 4. appointments of today and the next seven days with their clients and types  then needs
    # attention, live: 5. open risk flags with their clients  6. crisis words in messages; and,
    # on a miss of the cache (the first view: workspace.attention_cache): 7. each measure's
    # newest answer with the one before and the baseline (PHQ-9/GAD-7 worsened, outcomes,
    # WHO-5)  8. active goals with reminder preferences and their last check-in
    # 9. week-old recommendations with nothing booked since  10. the caseload's signatures
    # with the current documents  then 11. unanswered client messages  and, when the page names
    # a client (on the schedule or in the lists), 12. their access-log rows (one INSERT)
    with django_assert_num_queries(12 if names_clients else 11):
        response = client.get(home_url)
    assert response.status_code == 200
    return response.content.decode()


def test_clinician_sees_dashboard(client, clinician, client_user, stranger, home_url,
                                  django_assert_num_queries):
    body = _clinician_home_body(client, clinician, home_url, django_assert_num_queries)
    assert "Dashboard" in body
    assert "Today&#x27;s sessions" in body or "Today's sessions" in body
    assert "No sessions today" in body
    assert "Needs attention" in body
    assert '<span class="stat__value">1</span>' in body  # client_user; not the stranger
    assert "client in your caseload" in body
    assert "Your next steps" not in body
    assert "Open Django admin" not in body
    assert stranger.full_name not in body


def test_clinician_query_count_does_not_grow_with_caseload(client, clinician, make_client,
                                                           home_url,
                                                           django_assert_num_queries):
    make_client(clinician=clinician)
    body = _clinician_home_body(client, clinician, home_url, django_assert_num_queries)
    assert '<span class="stat__value">1</span>' in body
    for _ in range(9):
        make_client(clinician=clinician)
    body = _clinician_home_body(client, clinician, home_url, django_assert_num_queries)
    assert '<span class="stat__value">10</span>' in body


def test_clinician_caseload_counts_only_active_assigned_clients(client, clinician, make_client,
                                                                other_clinician, home_url,
                                                                django_assert_num_queries):
    make_client(clinician=clinician)
    make_client(clinician=clinician, is_active=False)
    make_client(clinician=other_clinician)
    make_client(clinician=None)
    body = _clinician_home_body(client, clinician, home_url, django_assert_num_queries)
    assert '<span class="stat__value">1</span>' in body


def test_admin_sees_admin_link_and_counts(client, admin_user, client_user, stranger, home_url,
                                          django_assert_num_queries):
    client.force_login(admin_user)
    # 1. session with user  2. MFA check of the staff middleware  3. clients and clinicians
    # counted in one aggregate
    with django_assert_num_queries(3):
        response = client.get(home_url)
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("admin:index") in body
    assert "Open Django admin" in body
    assert '<span class="stat__value">2</span>' in body  # client_user and stranger
    assert "active clients" in body
    assert "active clinicians" in body  # clinician and other_clinician, also 2
    assert "Your next steps" not in body
    assert "No sessions today" not in body


def test_admin_query_count_does_not_grow(client, admin_user, make_client, home_url,
                                         django_assert_num_queries):
    for _ in range(10):
        make_client()
    client.force_login(admin_user)
    with django_assert_num_queries(3):
        response = client.get(home_url)
    assert '<span class="stat__value">10</span>' in response.content.decode()


def test_profile_missing_does_not_break_client_home(client, client_user, home_url):
    ClientProfile.objects.filter(user=client_user).delete()
    client.force_login(client_user)
    response = client.get(home_url)
    assert response.status_code == 200
    assert "Your next steps" in response.content.decode()


def test_profile_missing_costs_the_same(client, client_user, home_url,
                                        django_assert_num_queries):
    ClientProfile.objects.filter(user=client_user).delete()
    client.force_login(client_user)
    with django_assert_num_queries(5):
        response = client.get(home_url)
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 4])
def test_client_home_costs_the_same_however_much_the_client_has(
        client, client_user, home_url, count, django_assert_num_queries):
    """Recommendations, goals and flags in numbers: still one query for the home's facts."""
    from decimal import Decimal

    from goals.services import goal_create
    from screening.services import screening_submit, screening_submit_many
    from screening.tests.conftest import answers, full_set

    for number in range(count):
        screening_submit_many(client=client_user, answers_by_instrument=full_set(
            self_assessment={"t1": 1, "t2": 1, "t3": 1}))
        goal_create(client=client_user, service_line="coaching", created_by=client_user,
                    title=f"Goal {number}", metric="Distance", unit="km",
                    baseline=Decimal("5"), target=Decimal("10"), direction="up",
                    cadence="daily")
    screening_submit(client=client_user, instrument="safety", answers=answers("safety", s1=1))
    client.force_login(client_user)
    with django_assert_num_queries(5):
        body = client.get(home_url).content.decode()
    assert "Support is available right now" in body
    assert "Self-assessment taken: " in body
    assert "Your goals and check-ins are on the goals page." in body


# --- with screening ---------------------------------------------------------------------------

def test_client_home_leads_with_crisis_resources_while_a_flag_is_open(
        client, client_user, home_url, django_assert_num_queries):
    from screening.services import screening_submit
    from screening.tests.conftest import answers

    screening_submit(client=client_user, instrument="safety", answers=answers("safety", s1=1))
    client.force_login(client_user)
    with django_assert_num_queries(5):
        body = client.get(home_url).content.decode()
    assert "Support is available right now" in body
    assert 'href="tel:988"' in body
    assert reverse("screening:results") in body


def test_client_home_shows_the_recommended_path(client, client_user, home_url):
    from screening.services import screening_submit_many
    from screening.tests.conftest import full_set

    screening_submit_many(client=client_user, answers_by_instrument=full_set(
        self_assessment={"t1": 1, "t2": 1, "t3": 1}))
    client.force_login(client_user)
    body = client.get(home_url).content.decode()
    # Taken: it folds away under "Done", and still leads to the results.
    assert "Self-assessment taken: Therapy." in body
    assert f'<a href="{reverse("screening:results")}">' in body
    assert "Support is available right now" not in body


def test_clinician_home_lists_open_flags_at_a_fixed_cost(
        client, clinician, client_user, stranger, make_client, home_url,
        django_assert_num_queries):
    from screening.services import screening_submit, screening_submit_many
    from screening.tests.conftest import answers, full_set

    screening_submit(client=client_user, instrument="safety", answers=answers("safety", s4=1))
    screening_submit(client=stranger, instrument="safety", answers=answers("safety", s1=1))
    for _ in range(5):
        other = make_client(clinician=clinician)
        screening_submit_many(client=other, answers_by_instrument=full_set(
            self_assessment={"c1": 1}))
    body = _clinician_home_body(client, clinician, home_url, django_assert_num_queries,
                                names_clients=True)
    assert "Open risk flag" in body
    assert client_user.full_name in body
    assert stranger.full_name not in body  # another clinician's client
    assert '<span class="stat__value">6</span>' in body  # Alex and the five others
    flag_url = reverse("screening:risk_flag", args=[client_user.risk_flags.get().public_id])
    assert body.count(flag_url) == 1


def test_times_are_shown_in_the_viewers_zone(client, clinician, client_user):
    # The clinician works in America/Chicago; a flag opened at 15:30 UTC in January reads 09:30.
    import datetime as dt

    from screening.models import RiskFlag
    from screening.services import screening_submit
    from screening.tests.conftest import answers

    screening_submit(client=client_user, instrument="safety", answers=answers("safety", s1=1))
    RiskFlag.objects.update(opened_at=dt.datetime(2027, 1, 15, 15, 30, tzinfo=dt.UTC))
    client.force_login(clinician)
    body = client.get(reverse("home")).content.decode()
    assert "15 Jan, 09:30" in body


# --- with booking -----------------------------------------------------------------------------

def test_homes_show_the_next_appointment_and_todays_sessions(
        client, clinician, client_user, make_client, home_url, django_assert_num_queries):
    import datetime as dt

    import time_machine

    from sessions.models import ServiceType
    from sessions.services import appointment_book, appointment_cancel

    consultation = ServiceType.objects.get(code="therapy-consultation")
    now = dt.datetime(2027, 1, 5, 13, 0, tzinfo=dt.UTC)  # 07:00 in Chicago
    with time_machine.travel(now, tick=False):
        first = appointment_book(client=client_user, clinician=clinician,
                                 service_type=consultation, by=clinician,
                                 start=dt.datetime(2027, 1, 5, 16, 0, tzinfo=dt.UTC))
        for hour in range(17, 23):
            other = make_client(clinician=clinician, full_name=f"Client {hour}")
            appointment = appointment_book(
                client=other, clinician=clinician, service_type=consultation, by=clinician,
                start=dt.datetime(2027, 1, 5, hour, 0, tzinfo=dt.UTC))
        appointment_cancel(appointment=appointment, by=clinician)

        client.force_login(client_user)
        body = client.get(home_url).content.decode()
        # Alex reads in America/New_York; 16:00 UTC is 11:00 there.
        assert "Your next appointment" in body
        assert "Tuesday 5 January at 11:00, with Dana Reyes." in body
        assert reverse("booking:detail", args=[first.public_id]) in body

        body = _clinician_home_body(client, clinician, home_url, django_assert_num_queries,
                                names_clients=True)
        # Dana reads in America/Chicago: 16:00 UTC is 10:00; the cancelled 22:00 is left out.
        assert "10:00–10:20" in body
        assert ">Client 21</a>" in body
        # Client 22's appointment was cancelled (their name is still in the caseload table).
        assert reverse("booking:clinician_appointment", args=[appointment.public_id]) \
            not in body
        assert body.count('class="card__title"><a href="/clinician/schedule/appointments/') == 6


def test_clinician_home_notices_a_struggling_coaching_client(
        client, clinician, client_user, stranger, home_url, django_assert_num_queries):
    from screening.services import screening_submit

    def who5(total):
        values = [min(5, max(0, total - 5 * n)) for n in range(5)]
        return {f"item{n}": v for n, v in enumerate(values, start=1)}

    screening_submit(client=client_user, instrument="who5", answers=who5(20))  # 80%
    screening_submit(client=client_user, instrument="who5", answers=who5(17))  # 68%: dropped
    screening_submit(client=stranger, instrument="who5", answers=who5(5))  # not Dana's client
    body = _clinician_home_body(client, clinician, home_url, django_assert_num_queries,
                                names_clients=True)
    assert "Wellbeing check" in body
    assert "WHO-5 68%" in body and "10 points or more below" in body
    assert stranger.full_name not in body
    assert '<span class="stat__value">1</span>\n      <span class="stat__label">need attention' \
        in body


def test_home_shows_progress_what_is_next_first_and_a_new_consent_version(
        client, client_user, clinician, home_url, django_assert_num_queries):
    """A client with everything signed, a path and goals sees those folded away as done, the
    booking step first; a new version of a document they signed leads the page."""
    from datetime import time
    from decimal import Decimal

    from goals.services import goal_create
    from screening.services import screening_submit_many
    from sessions.tests.conftest import sign_consent

    for kind in ("privacy", "therapy", "coaching"):
        sign_consent(client_user, kind)
    screening_submit_many(client=client_user, answers_by_instrument={
        "safety": {f"s{n}": 0 for n in range(1, 5)},
        "phq9": {f"item{n}": 0 for n in range(1, 10)},
        "gad7": {f"item{n}": 0 for n in range(1, 8)},
        "who5": {f"item{n}": 3 for n in range(1, 6)},
        "self_assessment": {**{f"t{n}": 0 for n in range(1, 9)},
                            **{f"c{n}": 1 for n in range(1, 9)}}})
    goal_create(client=client_user, service_line="coaching", created_by=client_user,
                title="Run", metric="km", baseline=Decimal(1), target=Decimal(5),
                direction="up", cadence="daily", check_in_time=time(9))
    client.force_login(client_user)
    with django_assert_num_queries(5):
        body = client.get(home_url).content.decode()
    assert "Step 1" not in body and "Sign your consent" not in body
    assert '<p class="card__eyebrow">Next</p>' in body
    assert body.index("Book a first consultation") < body.index("Done: 3 steps")
    assert "Your consents are signed and current." in body
    assert "Self-assessment taken: Coaching." in body
    assert "A new version" not in body

    consent_publish_new_version("coaching",
                                changes_summary="Coaching sessions now last 45 minutes.")
    body = client.get(home_url).content.decode()
    assert "A new version of the coaching agreement was published." in body
    assert "What changed: Coaching sessions now last 45 minutes." in body
    assert reverse("clients:consent_sign", args=["coaching"]) in body
    assert "Done: 2 steps" in body and "Sign your consent" in body


def test_a_coaching_client_works_with_a_coach_in_the_pages_words(client, make_client,
                                                                 make_user, home_url):
    from clients.models import ClinicianProfile

    coach = make_user(role="clinician", full_name="Sam Coach", email="coach@example.com")
    ClinicianProfile.objects.filter(user=coach).update(service_lines="coaching")
    person = make_client(clinician=coach, service_lines="coaching")
    client.force_login(person)
    body = client.get(home_url).content.decode()
    assert "Your coach</h2>" in body and "Your coach's private notes" in body
    assert "Your clinician" not in body and "health record" not in body
    waiting = make_client(clinician=None, service_lines="coaching", email="w@example.com")
    client.force_login(waiting)
    body = client.get(home_url).content.decode()
    words = re.sub(r"<[^>]+>", " ", body.split("<main")[1])  # what the page says, not its ids
    assert "No coach assigned yet" in words and "clinician" not in words
