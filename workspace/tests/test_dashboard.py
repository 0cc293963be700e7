"""The clinician's dashboard: needs attention with acknowledgements, the week ahead with quick
actions, and a query count that does not grow with the practice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from screening.services import screening_submit, screening_submit_many
from screening.tests.conftest import answers, full_set
from sessions.models import ServiceType
from sessions.services import appointment_book
from workspace.attention import Rule
from workspace.models import AttentionAcknowledgement
from workspace.tests.test_attention import coaching_goal, phq9, publish_new_version, sign, who5

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 18, 0, tzinfo=UTC)  # Monday 12:00 in Chicago (Dana's zone)
ACK_URL = reverse("attention_ack")


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def book(client_user, clinician, start):
    return appointment_book(client=client_user, clinician=clinician, by=clinician,
                            service_type=ServiceType.objects.get(code="therapy-consultation"),
                            start=start)


def worsened(client_user):
    screening_submit(client=client_user, instrument="phq9", answers=phq9(1))
    screening_submit(client=client_user, instrument="phq9", answers=phq9(9))


def test_acknowledge_from_the_dashboard(client, clinician, client_user):
    worsened(client_user)
    client.force_login(clinician)
    body = client.get(reverse("home")).content.decode()
    assert "Scores worsened" in body and "Acknowledge" in body
    # The item links to the scores and, beside them, to the client's whole timeline.
    assert reverse("screening:client_history", args=[client_user.public_id]) in body
    assert f'href="{reverse("caseload:timeline", args=[client_user.public_id])}">Open timeline' \
        in body
    fingerprint = f"response:{client_user.screening_responses.first().pk}"
    response = client.post(ACK_URL, {"client": client_user.public_id, "rule": Rule.SCORE_WORSENED,
                                     "fingerprint": fingerprint, "note": "Talked it through."},
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("home") + "#needs-attention"
    body = response.content.decode()
    assert "Acknowledged for Alex Morgan" in body
    assert "Scores worsened" not in body
    assert AttentionAcknowledgement.objects.get().note == "Talked it through."


def test_acknowledge_without_note_shows_the_error(client, clinician, client_user):
    worsened(client_user)
    client.force_login(clinician)
    response = client.post(ACK_URL, {"client": client_user.public_id,
                                     "rule": Rule.SCORE_WORSENED, "fingerprint": "response:1",
                                     "note": " "}, follow=True)
    assert "Not acknowledged: write a short note first." in response.content.decode()
    assert not AttentionAcknowledgement.objects.exists()


def test_risk_flag_cannot_be_acknowledged_from_the_dashboard(client, clinician, client_user):
    screening_submit(client=client_user, instrument="safety", answers=answers("safety", s1=1))
    client.force_login(clinician)
    body = client.get(reverse("home")).content.decode()
    assert "cannot be acknowledged away" in body
    response = client.post(ACK_URL, {"client": client_user.public_id, "rule": Rule.RISK_FLAG,
                                     "fingerprint": "flag:1", "note": "Seen"}, follow=True)
    assert "until you resolve it" in response.content.decode()
    assert not AttentionAcknowledgement.objects.exists()


def test_another_clinicians_client_cannot_be_acknowledged(client, clinician, stranger):
    client.force_login(clinician)
    response = client.post(ACK_URL, {"client": stranger.public_id, "rule": Rule.WELLBEING,
                                     "fingerprint": "response:1", "note": "Hmm"})
    assert response.status_code == 404
    response = client.post(ACK_URL, {"client": "not-a-uuid", "rule": Rule.WELLBEING,
                                     "fingerprint": "response:1", "note": "Hmm"})
    assert response.status_code == 404
    assert not AttentionAcknowledgement.objects.exists()


def test_acknowledge_is_for_clinicians_and_post_only(client, client_user, clinician):
    client.force_login(clinician)
    assert client.get(ACK_URL).status_code == 405
    client.force_login(client_user)
    assert client.post(ACK_URL, {}).status_code == 404


def test_week_ahead_in_the_clinicians_zone_with_quick_actions(client, clinician, client_user,
                                                              make_client, _now):
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        started = book(client_user, clinician, datetime(2027, 3, 1, 15, 0, tzinfo=UTC))
        later = book(make_client(clinician=clinician, full_name="Later Today"), clinician,
                     datetime(2027, 3, 1, 21, 0, tzinfo=UTC))
        # Monday 8 March 23:00 Chicago is Tuesday 05:00 UTC: still within the week.
        book(make_client(clinician=clinician, full_name="Last Day"), clinician,
             datetime(2027, 3, 9, 5, 0, tzinfo=UTC))
        book(make_client(clinician=clinician, full_name="Too Far"), clinician,
             datetime(2027, 3, 9, 7, 0, tzinfo=UTC))  # 01:00 Tuesday 9 March in Chicago
    client.force_login(clinician)
    body = client.get(reverse("home")).content.decode()
    assert "Today, Monday 1 March" in body and "Tomorrow, Tuesday 2 March" in body
    assert "Monday 8 March" in body and "Tuesday 9 March" not in body
    assert "09:00–09:20" in body and "15:00–15:20" in body and "23:00–23:20" in body
    assert ">Last Day</a>" in body
    assert ">Too Far</a>" not in body.split('id="caseload"')[0]
    assert reverse("caseload:timeline", args=[client_user.public_id]) in body
    mark_url = reverse("booking:clinician_appointment", args=[started.public_id])
    later_url = reverse("booking:clinician_appointment", args=[later.public_id])
    assert f'action="{mark_url}"' in body  # started: can be marked
    assert f'action="{later_url}"' not in body  # not started yet
    assert body.count("Mark no-show") == 1
    response = client.post(mark_url, {"action": "outcome", "status": "completed"})
    assert response.status_code == 302
    started.refresh_from_db()
    assert started.status == "completed"


def _practice(clinician, make_client, n: int) -> None:
    """n clients with something for every rule and (all but one) a session this week."""
    publish_before = []
    for i in range(n):
        person = make_client(clinician=clinician, service_lines="both")
        sign(person)
        publish_before.append(person)
        screening_submit_many(client=person, answers_by_instrument=full_set(
            self_assessment={"c1": 1}))
        worsened(person)
        screening_submit(client=person, instrument="who5", answers=who5(5))
        coaching_goal(person, due_date=date(2027, 2, 20))
        if i:  # the first client has a recommended path and nothing booked
            book(person, clinician, datetime(2027, 3, 2 + i % 6, 14 + i // 6, 0, tzinfo=UTC))
    screening_submit(client=publish_before[0], instrument="safety",
                     answers=answers("safety", s1=1))


def _dashboard(client, clinician, django_assert_num_queries) -> str:
    client.force_login(clinician)
    # 1. session  2. user  3. MFA check  4. caseload (names and zones)  5. the week's
    # appointments with their clients' profiles (had someone on the schedule not been the
    # clinician's own: one more, which of them they may open)  needs attention: 6. open risk
    # flags  7. the newest PHQ-9/GAD-7 totals beside the ones before (window functions)
    # 8. each measure's newest answer beside its baseline (window functions; reliable
    # deterioration, not on track; issue 17)  9. WHO-5s of the last 30 days  10. active goals
    # with their last check-in and quiet hours (subqueries)  11. week-old recommendations with
    # nothing booked since  12. current consent documents  13. signatures  14. acknowledgements
    # 15. crisis words in messages  16. unanswered client messages (issue 16)  17. the
    # access-log rows of the clients the page names (one INSERT)
    with django_assert_num_queries(17):
        response = client.get(reverse("home") + "?attention=all")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("size", [2, 10])
def test_dashboard_query_count_is_fixed(client, clinician, make_client, size,
                                        django_assert_num_queries):
    with time_machine.travel(NOW - timedelta(days=10), tick=False):
        _practice(clinician, make_client, size)
    publish_new_version()
    body = _dashboard(client, clinician, django_assert_num_queries)
    for label in ("Open risk flag", "Scores worsened", "Wellbeing check", "Missed check-ins",
                  "Goal past due", "Not booked yet", "New consent unsigned"):
        assert label in body, label
    assert body.count('<span class="badge badge--neutral">Goal past due') == size


def test_a_long_attention_list_is_cut_with_a_link_to_all(client, clinician, make_client):
    from screening.services import screening_submit
    from screening.tests.conftest import answers

    for n in range(23):
        person = make_client(clinician=clinician, full_name=f"Worse {n:02d}")
        screening_submit(client=person, instrument="gad7", answers=answers("gad7"))
        screening_submit(client=person, instrument="gad7",
                         answers=answers("gad7", item1=3, item2=3))
    client.force_login(clinician)
    body = client.get(reverse("home")).content.decode()
    assert body.count('class="card attention') == 20
    assert "Show all 23 items" in body and "(3 more, less urgent)" in body
    everything = client.get(reverse("home") + "?attention=all").content.decode()
    assert everything.count('class="card attention') == 23
