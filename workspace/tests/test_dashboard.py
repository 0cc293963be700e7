"""The clinician's dashboard: needs attention with acknowledgements, the week ahead with quick
actions, and a query count that does not grow with the practice."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from clients.selectors import consent_documents_current
from clients.services import consent_document_new_draft, consent_document_publish
from screening.services import (
    risk_flag_raise,
    risk_flag_resolve,
    screening_submit,
    screening_submit_many,
)
from screening.tests.conftest import answers, full_set
from sessions.models import ServiceType
from sessions.services import appointment_book
from workspace.attention import Rule
from workspace.attention_cache import KEEP_SECONDS
from workspace.models import AttentionAcknowledgement
from workspace.tests.test_attention import coaching_goal, phq9, publish_new_version, sign, who5

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 18, 0, tzinfo=UTC)  # Monday 12:00 in Chicago (Dana's zone)
ACK_URL = reverse("attention_ack")
FLAG = '<span class="badge badge--danger">Open risk flag</span>'


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


def _dashboard(client, clinician, django_assert_num_queries, *, kept: bool = False) -> str:
    client.force_login(clinician)
    # 1. session with user  2. MFA check  3. caseload (names and zones) with the clinician's
    # acknowledgements and service line  4. the week's appointments with their clients'
    # profiles (had someone on the schedule not been the clinician's own: one more, which of
    # them they may open)  needs attention, on every view: 5. open risk flags  6. crisis words in
    # messages; the other rules are kept in the cache (workspace.attention_cache) and on a miss
    # read: 7. each measure's newest answer beside the one before and the baseline (window
    # functions: worsened PHQ-9/GAD-7, reliable deterioration, not on track, WHO-5 reviews)
    # 8. active goals with their last check-in and quiet hours  9. week-old recommendations with
    # nothing booked since  10. signatures with the current documents  then 11. unanswered client
    # messages (issue 16)  12. the access-log rows of the clients the page names (one INSERT)
    with django_assert_num_queries(8 if kept else 12):
        response = client.get(reverse("home") + "?attention=all")
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


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
    # Viewed again: the same page, the kept rules from the cache.
    assert _dashboard(client, clinician, django_assert_num_queries, kept=True) == body
    # The time-driven rules move with the clock: a period later they are read again.
    with time_machine.travel(NOW + timedelta(seconds=KEEP_SECONDS), tick=False):
        assert _dashboard(client, clinician, django_assert_num_queries) == body


def _labels_for(client, clinician) -> str:
    client.force_login(clinician)
    return client.get(reverse("home")).content.decode()


def test_each_clinician_sees_their_own_list_and_what_happens_shows_at_once(
        client, clinician, client_user, other_clinician, stranger, django_assert_num_queries):
    screening_submit(client=client_user, instrument="who5", answers=who5(5))
    screening_submit(client=stranger, instrument="who5", answers=who5(5))
    for _ in range(2):  # computed, then kept: each list stays its clinician's
        dana = _labels_for(client, clinician)
        assert "Wellbeing check" in dana and "Alex Morgan" in dana
        assert "Jordan Blake" not in dana
        sam = _labels_for(client, other_clinician)
        assert "Wellbeing check" in sam and "Jordan Blake" in sam
        assert "Alex Morgan" not in sam
    # A new answer of Dana's client is on her list at once, and only on hers.
    worsened(client_user)
    assert "Scores worsened" in _labels_for(client, clinician)
    assert "Alex Morgan" not in _labels_for(client, other_clinician)
    # Acknowledged, the item is gone at once.
    client.force_login(clinician)
    response = client.post(ACK_URL, {
        "client": client_user.public_id, "rule": Rule.SCORE_WORSENED,
        "fingerprint": f"response:{client_user.screening_responses.first().pk}",
        "note": "Called her."})
    assert response.status_code == 302
    assert "Scores worsened" not in _labels_for(client, clinician)
    # A risk flag is never kept: opened (here with no new answer, so the kept rules are read
    # from the cache) it is on the next view; resolved, it is gone from the next one.
    _labels_for(client, clinician)
    flag = risk_flag_raise(client=client_user, instrument="safety", positive={"s1": 1})
    body = _dashboard(client, clinician, django_assert_num_queries, kept=True)
    assert FLAG in body and "Alex Morgan" in body
    assert "Jordan Blake" not in body
    risk_flag_resolve(flag=flag, note="Safe plan agreed.", by=clinician)
    assert FLAG not in _dashboard(client, clinician, django_assert_num_queries,
                                              kept=True)
    # A goal's changes are events too.
    goal = coaching_goal(client_user, due_date=date(2027, 2, 20))
    assert "Goal past due" in _labels_for(client, clinician)
    goal.status = "achieved"
    goal.save()
    assert "Goal past due" not in _labels_for(client, clinician)


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


def test_a_published_consent_version_shows_at_once_on_a_kept_list(client, clinician,
                                                                  client_user):
    # The client has signed the current therapy consent; a new draft is written (a save). The
    # list is computed, then kept.
    sign(client_user)
    draft = consent_document_new_draft(document=consent_documents_current()["therapy"])
    assert "New consent unsigned" not in _labels_for(client, clinician)
    assert "New consent unsigned" not in _labels_for(client, clinician)
    # Publishing is an update() (no post_save): its own signal renews the practice's token.
    consent_document_publish(document=draft)
    assert "New consent unsigned" in _labels_for(client, clinician)
