"""Discreet surfaces (issue 13): what a shared screen, a tab bar or browser history shows. For a
client in discreet mode whose goals hold marker strings, every client page is rendered (found by
walking the URL resolver, with the client's real ids filled in) and its ``<title>``, every URL
in the page (links, forms, scripts, styles), the redirect target and any download file name are
checked: no goal text, no service-line word, no instrument, score or band."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from clients.models import ClientProfile, ConsentSignature
from documents.services import document_share
from documents.tests.conftest import PDF, upload
from goals.services import check_in_record, goal_create
from messaging.models import MessagingPreference
from messaging.services import message_send
from screening.instruments import INSTRUMENTS
from screening.models import ScreeningResponse
from screening.services import screening_submit_many
from screening.tests.conftest import full_set
from sessions.models import ServiceType, SessionMeasures
from sessions.services import appointment_book, calendar_feed_regenerate
from sessions.tests.conftest import service_type, sign_consent, weekdays_nine_to_five

NOW = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)
MARKERS = ["ZQXMARKER", "goal-secret-title", "WHYMARKER", "SKILLMARKER"]
# Words that must never be in a title or URL a client's page shows. Instruments by their codes
# and names, the severity bands, the service lines.
FORBIDDEN = [*MARKERS, "therapy", "coaching", "phq", "gad", "who5", "who-5", "safety",
             "depress", "anxiety", "minimal", "mild", "moderate", "severe", "crisis-line"]


class _Surfaces(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.title = ""
        self._in_title = False
        self._titles = 0

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action", "formaction") and value:
                self.urls.append(value)
        # The document's <title> only (a chart's SVG <title> is checked as page content).
        self._in_title = tag == "title" and self._titles == 0

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
            self._titles += 1

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [word for word in FORBIDDEN if word.lower() in lowered]


@pytest.fixture
def discreet_client(client_user, clinician):
    with time_machine.travel(NOW, tick=False):
        ClientProfile.objects.filter(user=client_user).update(discreet_mode=True)
        for kind in ("privacy", "therapy", "coaching"):
            sign_consent(client_user, kind)
        screening_submit_many(client=client_user, answers_by_instrument=full_set(
            phq9={"item1": 3, "item2": 3, "item3": 3, "item4": 3}))
        coaching = goal_create(
            client=client_user, service_line="coaching", created_by=client_user,
            title=f"{MARKERS[0]} {MARKERS[1]}", why=MARKERS[2], metric="hours", unit="h",
            baseline=Decimal("1"), target=Decimal("5"), direction="up", cadence="daily",
            check_in_time=time(18, 0))
        therapy = goal_create(client=client_user, service_line="therapy", created_by=clinician,
                              title=f"{MARKERS[1]} {MARKERS[0]}", skills=MARKERS[3],
                              cadence="daily")
        check_in_record(goal=coaching, by=client_user, value=Decimal("2"), note=MARKERS[2])
        weekdays_nine_to_five(clinician)
        appointment = appointment_book(
            client=client_user, clinician=clinician,
            service_type=service_type("therapy-consultation"),
            start=NOW.replace(hour=15) + timedelta(days=1), by=client_user)
        feed = calendar_feed_regenerate(user=client_user)
        # A conversation in each line and a therapy document to sign (issue 16).
        MessagingPreference.objects.create(client=client_user, enabled=True)
        client_user.refresh_from_db()
        for line in ("therapy", "coaching"):
            message_send(sender=client_user, client=client_user, service_line=line,
                         body=MARKERS[2])
        document = document_share(by=clinician, client=client_user,
                                  file=upload("therapy-plan.pdf", PDF),
                                  title="Therapy plan", service_line="therapy",
                                  signature_requested=True)
    return {"goals": [coaching, therapy], "appointment": appointment, "feed": feed,
            "document": document}


def _fill(kwargs: list[str], data, user) -> list[dict[str, object]]:
    """Every combination worth rendering for a route's parameters, from the client's data."""
    response = ScreeningResponse.objects.filter(client=user).first()
    values = {
        "goal_id": [goal.public_id for goal in data["goals"]],
        "appointment_id": [data["appointment"].public_id],
        # The measures asked before that appointment (issue 17), or none when it asks none.
        "measures_id": list(SessionMeasures.objects.filter(appointment=data["appointment"])
                            .values_list("public_id", flat=True)) or [uuid.uuid4()],
        "response_id": [response.public_id],
        "instrument": list(INSTRUMENTS),
        "line": ["therapy", "coaching"],
        "code": list(ServiceType.objects.values_list("code", flat=True)),
        "token": [getattr(data["feed"], "token", data["feed"])],
        "kind": ["privacy", "therapy", "coaching"],
        "public_id": list(ConsentSignature.objects.filter(client=user)
                          .values_list("public_id", flat=True)),
        # POST-only or about a passkey the client does not have: a 404/405, still checked.
        "entry_id": [uuid.uuid4()],
        "document_id": [data["document"].public_id],
        "pk": [1],
    }
    combos: list[dict[str, object]] = [{}]
    for name in kwargs:
        if name not in values:
            return []
        combos = [{**combo, name: value} for combo in combos for value in values[name]]
    return combos


def _client_routes(patterns, namespace: str = "", prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            route = str(pattern.pattern)
            if route.startswith(("admin/", "^admin/")):
                continue
            ns = pattern.namespace or ""
            yield from _client_routes(pattern.url_patterns,
                                      f"{namespace}:{ns}".strip(":") if ns else namespace,
                                      prefix + route)
        elif isinstance(pattern, URLPattern) and pattern.name:
            route = prefix + str(pattern.pattern)
            if route.startswith("clinician/") or "logout" in route or "^" in route:
                continue  # staff pages; signing out; allauth's key-in-URL pages (no key here)
            kwargs = re.findall(r"<(?:\w+:)?(\w+)>", route)
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), kwargs


def test_no_page_of_a_discreet_client_shows_goal_text_or_clinical_words(client, client_user,
                                                                          discreet_client):
    rendered, unfilled = [], []
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        client.force_login(client_user)
        for name, kwargs in sorted(set((n, tuple(k)) for n, k in
                                       _client_routes(get_resolver().url_patterns))):
            combos = _fill(list(kwargs), discreet_client, client_user)
            if not combos:
                unfilled.append(name)
                continue
            for combo in combos:
                url = reverse(name, kwargs=combo)
                assert not _leaks(url), (name, url, _leaks(url))
                response = client.get(url)
                assert response.status_code in (200, 302, 404, 405), (url, response.status_code)
                assert "_auth_user_id" in client.session, url  # still the client's pages
                if response.status_code == 302:
                    assert not _leaks(response["Location"]), (url, response["Location"])
                disposition = response.get("Content-Disposition", "")
                assert not _leaks(disposition), (url, disposition)
                if response.status_code != 200 or "html" not in response["Content-Type"]:
                    continue
                page = _Surfaces()
                page.feed(response.content.decode())
                assert page.title.strip(), url
                assert not _leaks(page.title), (url, page.title)
                for link in page.urls:
                    assert not _leaks(link), (url, link)
                assert "no-store" in response["Cache-Control"], url
                rendered.append(url)
    # The walk reached the pages that matter, and every client route could be filled.
    assert unfilled == [], unfilled
    for name in ("goals:goal", "goals:goal_edit", "goals:goal_new", "screening:step",
                 "screening:response", "booking:detail", "booking:pick_time", "home"):
        assert any(reverse(name, kwargs=c) in rendered
                   for c in _fill(re.findall(r"<(?:\w+:)?(\w+)>",
                                             str(_route_of(name))), discreet_client,
                                  client_user)), name
    assert len(rendered) >= 30, len(rendered)
    print(f"discreet walk: {len(rendered)} pages rendered")


def _route_of(name: str):
    for route_name, kwargs in _client_routes(get_resolver().url_patterns):
        if route_name == name:
            return "".join(f"<{k}>" for k in kwargs)
    raise AssertionError(name)
