"""The clinician's client timeline: every kind of event, filters, the therapy firewall, least
access (rule 8), one access-log row a view, and a query count that does not grow."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.urls import reverse

from clients.models import AccessLog, ClinicianProfile
from clients.services import clinician_note_add
from goals.services import check_in_record, comment_add, goal_create
from screening.models import RiskFlag
from screening.services import risk_flag_resolve, screening_submit_many
from screening.tests.conftest import answers, full_set
from sessions.services import appointment_book
from sessions.tests.conftest import service_type, sign_consent
from workspace.timeline import KINDS, client_timeline, kinds_from_query

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _now_and_key(settings):
    settings.CLINICIAN_NOTES_KEY = Fernet.generate_key().decode()
    with time_machine.travel(NOW, tick=False):
        yield


def populate(person, clinician, size: int) -> dict:
    """``size`` of everything, built with each app's services: screenings (and routes), risk
    flags opened and resolved, therapy and coaching appointments, goals in both lines with
    check-ins and comments, and notes."""
    sign_consent(person, "therapy")
    sign_consent(person, "coaching")
    made: dict = {"therapy_goals": [], "coaching_goals": [], "appointments": []}
    for n in range(size):
        when = NOW - timedelta(days=40 - n)
        screening_submit_many(client=person, answers_by_instrument=full_set(
            phq9={"item1": 2, "item2": 2}, gad7={"item1": 1}), submitted_at=when)
        for code, hour in (("therapy-intake", 14), ("coaching-session", 17)):
            made["appointments"].append(appointment_book(
                client=person, clinician=clinician, service_type=service_type(code),
                start=datetime.combine(NOW.date() + timedelta(days=3 + n), time(hour),
                                       tzinfo=UTC), by=clinician))
        therapy = goal_create(client=person, service_line="therapy", created_by=clinician,
                              title=f"Feel calmer at work {n}", skills="Box breathing",
                              practice_frequency="Daily", cadence="daily",
                              check_in_time=time(9))
        coaching = goal_create(client=person, service_line="coaching", created_by=clinician,
                               title=f"Run further {n}", metric="Distance", unit="km",
                               baseline=Decimal("5"), target=Decimal("10"), direction="up",
                               cadence="daily", check_in_time=time(9))
        made["therapy_goals"].append(therapy)
        made["coaching_goals"].append(coaching)
        check_in_record(goal=therapy, by=person, practice_count=3, rating=6)
        check_in_record(goal=coaching, by=person, value=Decimal("6"), confidence=7)
        comment_add(goal=therapy, author=clinician, text=f"Therapy comment {n}")
        comment_add(goal=coaching, author=clinician, text=f"Coaching comment {n}")
        clinician_note_add(client=person, author=clinician, text=f"Private note {n}")
        # A safety answer opens a flag; resolve it so the next one can open.
        screening_submit_many(client=person, answers_by_instrument={
            "safety": answers("safety", s1=1)}, submitted_at=NOW - timedelta(days=10 - n))
        flag = RiskFlag.objects.get(client=person, status=RiskFlag.Status.OPEN)
        risk_flag_resolve(flag=flag, note=f"Spoke with the client {n}", by=clinician)
    return made


def url(person) -> str:
    return reverse("caseload:timeline", args=[person.public_id])


@pytest.fixture
def signed_in(client, clinician):
    client.force_login(clinician)
    return client


def events_section(body: str) -> str:
    return body.split('id="events-title"', 1)[1].split('id="chart-heading"', 1)[0]


def test_every_kind_of_event_in_time_order(client_user, clinician):
    populate(client_user, clinician, 1)
    events = client_timeline(clinician=clinician, client=client_user)
    assert {event.kind for event in events} == set(KINDS)
    assert [event.when for event in events] == sorted((e.when for e in events), reverse=True)
    titles = " ".join(event.title + " " + event.detail for event in events)
    for text in ("Therapy consent", "Coaching agreement", "PHQ-9", "GAD-7", "WHO-5",
                 "Recommended path", "Risk flag opened", "Risk flag resolved",
                 "Spoke with the client 0", "Therapy intake", "Coaching session",
                 "Feel calmer at work 0", "Run further 0", "Check-in: Run further 0",
                 "Therapy comment 0", "Private note 0"):
        assert text in titles, text


def test_page_shows_profile_consents_route_chart_and_links(signed_in, client_user, clinician):
    made = populate(client_user, clinician, 1)
    response = signed_in.get(url(client_user))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Alex Morgan" in body and "Therapy and coaching" in body
    assert "Consents signed" in body and "Not signed" in body  # the privacy notice
    assert "Current route" in body and "PHQ-9" in body
    assert "<svg" in body  # the screening chart
    assert reverse("screening:client_history", args=[client_user.public_id]) in body
    assert reverse("goals:clinician_goal", args=[made["coaching_goals"][0].public_id]) in body
    assert reverse("booking:clinician_appointment",
                   args=[made["appointments"][0].public_id]) in body
    flag = RiskFlag.objects.get(client=client_user)
    assert reverse("screening:risk_flag", args=[flag.public_id]) in body
    assert "Private note 0" in body
    assert "<script" not in body.split("</header>", 1)[1] and " style=" not in body
    # Issue 14: the note form is reachable from the top of a long page, beside the heading.
    heading, rest = body.split('<div class="timeline-summary">', 1)
    assert '<a class="btn btn--small" href="#add-note">Add a note</a>' in heading
    assert '<section class="section" id="add-note"' in rest and 'name="text"' in rest.split(
        'id="add-note"', 1)[1]


def test_filters(signed_in, client_user, clinician):
    populate(client_user, clinician, 1)
    body = events_section(signed_in.get(url(client_user) + "?show=screening,appointment")
                          .content.decode())
    assert "PHQ-9" in body and "Therapy intake" in body
    assert "Run further 0" not in body and "Private note 0" not in body
    assert "Recommended path" not in body
    # Repeated parameters, as the checkbox form sends them, work the same.
    body = events_section(signed_in.get(url(client_user) + "?show=note&show=goal")
                          .content.decode())
    assert "Private note 0" in body and "Goal set: Run further 0" in body
    assert "Therapy intake" not in body


@pytest.mark.parametrize("query", ["?show=nonsense", "?show=", "?show=%00,,;drop", "?show"])
def test_unknown_filters_are_ignored(signed_in, client_user, clinician, query):
    populate(client_user, clinician, 1)
    response = signed_in.get(url(client_user) + query)
    assert response.status_code == 200
    assert "Private note 0" in events_section(response.content.decode())


def test_kinds_from_query():
    assert kinds_from_query(["appointment,screening", "bogus", "note"]) == [
        "screening", "appointment", "note"]
    assert kinds_from_query([]) == []


def test_firewall_for_a_coaching_only_clinician(signed_in, client_user, clinician):
    populate(client_user, clinician, 1)
    ClinicianProfile.objects.filter(user=clinician).update(service_lines="coaching")
    clinician.refresh_from_db()
    events = client_timeline(clinician=clinician, client=client_user)
    text = " ".join(f"{e.title} {e.detail}" for e in events)
    for hidden in ("PHQ-9", "GAD-7", "Feel calmer at work", "Therapy intake",
                   "Therapy comment"):
        assert hidden not in text, hidden
    assert "Run further 0" in text and "Coaching session" in text
    assert "Risk flag opened" in text  # safety stays visible to every clinician of the client
    body = signed_in.get(url(client_user)).content.decode()
    for hidden in ("PHQ-9", "GAD-7", "Feel calmer at work", "Therapy intake",
                   "Therapy comment"):
        assert hidden not in events_section(body), hidden
    assert "Feel calmer at work" not in body
    # Not even the chart's empty panels or its title name the therapy measures.
    assert "PHQ-9" not in body and "GAD-7" not in body
    assert "Run further 0" in body


def test_least_access(client, client_user, stranger, clinician, other_clinician, admin_user):
    client.force_login(other_clinician)
    assert client.get(url(client_user)).status_code == 404
    assert client.post(url(client_user), {"text": "sneaky"}).status_code == 404
    client.force_login(clinician)
    assert client.get(url(stranger)).status_code == 404
    client.force_login(client_user)
    assert client.get(url(client_user)).status_code == 404
    client.force_login(admin_user)
    assert client.get(url(client_user)).status_code == 404
    assert not AccessLog.objects.exists()
    client.logout()
    assert client.get(url(client_user)).status_code == 302


def test_one_access_log_row_per_view(signed_in, client_user, clinician):
    populate(client_user, clinician, 1)
    signed_in.get(url(client_user))
    signed_in.get(url(client_user) + "?show=note")
    rows = list(AccessLog.objects.order_by("pk"))
    assert [(row.by, row.client, row.what) for row in rows] == [
        (clinician, client_user, AccessLog.What.TIMELINE)] * 2
    assert rows[1].detail == "show=note"
    assert rows[0].path == url(client_user)


@pytest.mark.parametrize("size", [1, 5])
def test_query_count_does_not_grow(signed_in, client_user, clinician, size,
                                   django_assert_num_queries):
    populate(client_user, clinician, size)
    # 1. session with user  2. MFA check of the staff middleware  3. the client with profile
    # 4. the clinician's profile (firewall)  5. goals  6. check-ins (their goals from 6)
    # 7. comments with authors (goals from 6)  8. consent signatures with documents
    # 9. screening responses  10. route recommendations with who overrode them  11. risk flags
    # with resolver and response  12. appointments with type and clinician  13. notes with
    # authors  14. the access-log row
    with django_assert_num_queries(14):
        response = signed_in.get(url(client_user))
    assert response.status_code == 200
    assert response.content.decode().count('class="timeline__event ') >= 9 * size
    with django_assert_num_queries(14):  # an earlier page: the same queries
        assert signed_in.get(url(client_user), {"before": NOW.isoformat()}).status_code == 200


def test_a_long_history_comes_a_page_at_a_time(signed_in, client_user, clinician, monkeypatch):
    """The newest page of events, then "Earlier events" from the last one shown, to the end:
    every event once, in order, with the kinds asked for kept; an unreadable ``before`` is
    ignored (the newest page), never an error."""
    import html
    import re

    from workspace import timeline

    populate(client_user, clinician, 2)
    everything = client_timeline(clinician=clinician, client=client_user)
    monkeypatch.setattr(timeline, "EVENTS_PER_PAGE", 6)

    def walk(start: str) -> tuple[list[str], list[str]]:
        seen, links, next_url = [], [], start
        while next_url:
            body = signed_in.get(next_url).content.decode()
            seen += re.findall(r'<p class="timeline__title">(.*?)</p>', body)
            found = re.search(r'href="([^"]+)">Earlier events</a>', body)
            next_url = found.group(1).replace("&amp;", "&") if found else ""
            links.append(next_url)
        return seen, links

    titles, links = walk(url(client_user))
    assert len(everything) > 12 and len(links) > 2
    assert [html.unescape(re.sub(r"<[^>]+>", "", title)) for title in titles] == [
        event.title for event in everything]
    checked, check_links = walk(url(client_user) + "?show=check_in")
    assert all("show=check_in" in link for link in check_links[:-1])
    assert len(checked) == len([e for e in everything if e.kind == "check_in"])
    for bad in ("nonsense", "2026-03-01T10:00:00", "%00", "9999-99-99"):
        response = signed_in.get(url(client_user) + f"?before={bad}")
        assert response.status_code == 200
        assert "Earlier events" in response.content.decode()


def test_a_page_never_splits_one_moment():
    from workspace.timeline import Event, timeline_page

    at = [NOW - timedelta(hours=n) for n in (0, 1, 2, 2, 2, 3)]
    events = [Event(when, "note", f"e{n}") for n, when in enumerate(at)]
    page, earlier = timeline_page(events, size=3)
    assert [e.title for e in page] == ["e0", "e1", "e2", "e3", "e4"] and earlier == at[4]
    rest, end = timeline_page(events, before=earlier, size=3)
    assert [e.title for e in rest] == ["e5"] and end is None
    assert timeline_page(events, size=6) == (events, None)
