"""The safety floor (rule 1, issue 10) through HTTP: every page that can carry a safety answer ×
every state the page can be sent in. Whatever else is wrong with the page — a blank question,
a value out of range, a database that refuses the save — a safety answer above zero shows the
crisis resources in the page's main content and opens the flag with one alert per clinician
(or queues it, and a retrying task opens it)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from notifications.models import Notification
from screening import tasks
from screening.models import RiskFlag, ScreeningResponse
from screening.tasks import safety_answers_report as retrying_task

pytestmark = pytest.mark.django_db

SAFETY_NO = {"s1": "0", "s2": "0", "s3": "0", "s4": "0"}
PHQ9_LOW = {f"item{n}": "0" for n in range(1, 10)}
GAD7_LOW = {f"item{n}": "0" for n in range(1, 8)}


def step_url(code: str) -> str:
    return reverse("screening:step", args=[code])


@dataclass(frozen=True)
class EntryPoint:
    """A page that takes a safety answer, what comes before it, and its answers in each
    state: complete, incomplete (a question blank), invalid elsewhere (another value out of
    range)."""

    name: str
    url: str
    instrument: str
    before: tuple[tuple[str, dict[str, str]], ...]
    complete: dict[str, str]
    incomplete: dict[str, str]
    invalid: dict[str, str]


ENTRY_POINTS = [
    EntryPoint(
        "wizard safety screen", step_url("safety"), "safety", (),
        complete={**SAFETY_NO, "s2": "1"},
        incomplete={"s2": "1"},
        invalid={**SAFETY_NO, "s2": "1", "s3": "7", "s4": "maybe"},
    ),
    EntryPoint(
        "wizard PHQ-9", step_url("phq9"), "phq9", (("safety", SAFETY_NO),),
        complete={**PHQ9_LOW, "item9": "1", "item10": "1"},
        incomplete={"item9": "1"},
        invalid={**PHQ9_LOW, "item9": "2", "item3": "9", "item10": "1"},
    ),
    # The back button: the client went on to GAD-7, came back and changed their answer.
    EntryPoint(
        "wizard safety screen again (back button)", step_url("safety"), "safety",
        (("safety", SAFETY_NO), ("phq9", PHQ9_LOW), ("gad7", GAD7_LOW)),
        complete={**SAFETY_NO, "s1": "1"},
        incomplete={"s1": "1", "s4": ""},
        invalid={**SAFETY_NO, "s1": "1", "s2": "-1"},
    ),
    EntryPoint(
        "PHQ-9 retake", reverse("screening:retake", args=["phq9"]), "phq9", (),
        complete={**PHQ9_LOW, "item9": "3", "item10": "2"},
        incomplete={"item9": "3"},
        invalid={**PHQ9_LOW, "item9": "3", "item10": "x"},
    ),
]
STATES = ["complete", "incomplete", "invalid elsewhere", "database error"]


def main_content(html: str) -> str:
    match = re.search(r"<main\b.*?</main>", html, re.S)
    assert match, "the page has no <main>"
    return match.group(0)


def assert_crisis_resources(html: str) -> None:
    main = main_content(html)
    assert 'href="tel:988"' in main and 'href="sms:988"' in main
    assert 'href="tel:911"' in main
    assert "Call or text 988" in main


def alerts_by_recipient() -> dict[int, int]:
    counts: dict[int, int] = {}
    for recipient in Notification.objects.filter(
            kind=Notification.Kind.RISK_ALERT).values_list("recipient", flat=True):
        counts[recipient] = counts.get(recipient, 0) + 1
    return counts


@dataclass
class Queued:
    calls: list[dict] = field(default_factory=list)

    def apply_async(self, *, kwargs: dict, **options) -> None:
        self.calls.append(kwargs)


@pytest.fixture
def queued(monkeypatch) -> Queued:
    """The retrying task's messages, instead of a broker (the real broker and worker are in
    test_safety_floor_faults.py)."""
    captured = Queued()
    monkeypatch.setattr(tasks, "safety_answers_report", captured)
    return captured


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=lambda entry: entry.name)
def test_a_safety_answer_always_shows_help_and_opens_the_flag(
        client, client_user, clinician, entry, state, request, queued):
    client.force_login(client_user)
    for code, answers in entry.before:
        assert client.post(step_url(code), answers).status_code == 302
    answers = {"complete": entry.complete, "incomplete": entry.incomplete,
               "invalid elsewhere": entry.invalid, "database error": entry.complete}[state]
    lift = request.getfixturevalue("screening_writes_fail") if state == "database error" \
        else None

    page = client.post(entry.url, answers, follow=True)

    assert page.status_code == 200
    assert_crisis_resources(page.content.decode())
    flags = RiskFlag.objects.filter(client=client_user, status=RiskFlag.Status.OPEN)
    if lift is not None:
        # Nothing could be written; the flag went to the retrying task with the answers.
        assert not flags.exists()
        assert "letting your clinician" in main_content(page.content.decode())
        [call] = queued.calls
        assert call["client_id"] == client_user.pk and call["instrument"] == entry.instrument
        lift()
        retrying_task.apply(kwargs=call).get()
    else:
        assert queued.calls == []
    flag = flags.get()
    assert flag.trigger["instrument"] == entry.instrument
    assert alerts_by_recipient() == {clinician.pk: 1}
    if state == "complete":
        assert flag.response is not None and flag.response.instrument == entry.instrument
    elif state != "database error":
        # The safety answers alone opened it; nothing else of the page was saved as done.
        assert flag.response is None
        assert not ScreeningResponse.objects.filter(client=client_user,
                                                    instrument=entry.instrument).exists()


def test_a_half_filled_page_then_the_whole_of_it_makes_one_flag_and_one_alert(
        client, client_user, clinician):
    client.force_login(client_user)
    client.post(step_url("safety"), SAFETY_NO)
    client.post(step_url("phq9"), {"item9": "2", "item1": "1"})
    flag = RiskFlag.objects.get(client=client_user)
    assert flag.response is None and flag.trigger == {"instrument": "phq9",
                                                      "answers": {"item9": 2}}
    # What was answered is there again when the client comes back; the step is not done.
    page = client.get(step_url("phq9")).content.decode()
    assert re.search(r'name="item9" value="2"[^>]*checked', page)
    assert re.search(r'name="item1" value="1"[^>]*checked', page)
    assert client.get(step_url("gad7"))["Location"] == step_url("phq9")

    client.post(step_url("phq9"), {**PHQ9_LOW, "item1": "1", "item9": "2", "item10": "1"})
    flag.refresh_from_db()
    assert flag.response is not None and flag.response.instrument == "phq9"
    assert RiskFlag.objects.filter(client=client_user).count() == 1
    assert alerts_by_recipient() == {clinician.pk: 1}
    assert "screening_partial" not in client.session


def test_new_safety_answers_while_the_flag_is_open_alert_again(client, client_user, clinician):
    client.force_login(client_user)
    client.post(step_url("safety"), {"s1": "1"})
    client.post(step_url("safety"), {"s1": "1"})  # the same, sent again: no second alert
    assert alerts_by_recipient() == {clinician.pk: 1}
    client.post(step_url("safety"), {"s1": "1", "s2": "1"})  # a plan now: new information
    assert alerts_by_recipient() == {clinician.pk: 2}
    assert RiskFlag.objects.filter(client=client_user).count() == 1


def test_a_page_without_a_safety_answer_still_just_asks_for_the_blank_question(
        client, client_user):
    client.force_login(client_user)
    client.post(step_url("safety"), SAFETY_NO)
    page = client.post(step_url("phq9"), {"item9": "0"})
    assert page.status_code == 200
    assert "Please answer this question." in page.content.decode()
    assert not RiskFlag.objects.exists()


def test_an_unassigned_client_is_told_the_practice_s_clinicians_were(
        client, make_client, clinician, other_clinician):
    lone = make_client(clinician=None)
    client.force_login(lone)
    body = client.post(step_url("safety"), {"s3": "1"}, follow=True).content.decode()
    main = main_content(body)
    assert "The practice's clinicians have been told." in main
    assert "your clinician" not in main.lower().replace("your clinician will", "")
    assert alerts_by_recipient() == {clinician.pk: 1, other_clinician.pk: 1}
    home = main_content(client.get(reverse("home")).content.decode())
    assert "The practice's clinicians have been told." in home


def test_the_crisis_page_asks_for_a_phone_number_and_the_flag_page_shows_it(
        client, client_user, clinician):
    client.force_login(client_user)
    page = client.post(step_url("safety"), {"s1": "1"}, follow=True).content.decode()
    assert "A number the practice can call you on today" in page
    refused = client.post(reverse("screening:crisis"), {"phone": "call me <now>"})
    assert refused.status_code == 200
    assert "Enter a phone number of 7 to 15 digits" in refused.content.decode()
    assert_crisis_resources(refused.content.decode())
    client.post(reverse("screening:crisis"), {"phone": "+1 (312) 555-0142"})
    client_user.client_profile.refresh_from_db()
    assert client_user.client_profile.phone == "+1 (312) 555-0142"

    flag = RiskFlag.objects.get(client=client_user)
    client.force_login(clinician)
    flag_page = client.get(reverse("screening:risk_flag", args=[flag.public_id]))
    assert 'href="tel:+1 (312) 555-0142"' in flag_page.content.decode()
    # Never in an email (rule 7).
    for alert in Notification.objects.filter(kind=Notification.Kind.RISK_ALERT):
        assert "555" not in str(alert.context)


def test_the_error_page_carries_the_crisis_resources():
    from django.template.loader import render_to_string

    assert_crisis_resources(render_to_string("500.html"))
