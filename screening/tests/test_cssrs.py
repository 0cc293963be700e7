"""The C-SSRS step-up (issue 17): a safety answer shows the crisis resources first, then asks
the six-question screener; its triage (the Columbia protocol's low / moderate / high) reaches
the clinician on the flag."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications.models import Notification
from screening.instruments import CSSRS
from screening.instruments.cssrs import triage
from screening.models import RiskFlag
from screening.services import screening_submit
from screening.tests.conftest import answers

pytestmark = pytest.mark.django_db

QUESTIONS = ("q1", "q2", "q3", "q4", "q5", "q6", "q6_recent")


def expected_triage(yes: set[str]) -> str:
    """The protocol's triage, written out again."""
    if "q4" in yes or "q5" in yes or "q6_recent" in yes:
        return "high"
    if "q3" in yes or "q6" in yes:
        return "moderate"
    if "q1" in yes or "q2" in yes:
        return "low"
    return ""


def test_triage_for_every_combination_the_screener_can_give():
    seen = set()
    for values in itertools.product((0, 1), repeat=len(QUESTIONS)):
        raw = dict(zip(QUESTIONS, values, strict=True))
        try:
            cleaned = CSSRS.clean(raw)
        except ValidationError:
            continue
        yes = {code for code, value in cleaned.items() if value}
        assert triage(cleaned) == expected_triage(yes), cleaned
        assert CSSRS.score(cleaned).band == expected_triage(yes)
        seen.add(triage(cleaned))
    assert seen == {"", "low", "moderate", "high"}


def test_questions_three_to_five_follow_a_yes_to_two_and_recent_follows_six():
    cleaned = CSSRS.clean({"q1": 1, "q2": 0, "q3": 1, "q6": 0})
    assert "q3" not in cleaned  # not asked, dropped
    with pytest.raises(ValidationError) as error:
        CSSRS.clean({"q1": 1, "q2": 1, "q6": 1})
    assert set(error.value.message_dict) == {"q3", "q4", "q5", "q6_recent"}


def phq9_item9(client_user):
    screening_submit(client=client_user, instrument="phq9", answers=answers("phq9", item9=1))


def test_item9_shows_help_first_then_asks_the_screener(client, client_user):
    client.force_login(client_user)
    page = client.post(reverse("screening:retake", args=["phq9"]),
                       {f"item{n}": "0" for n in range(1, 9)} | {"item9": "1", "item10": "1"},
                       follow=True)
    body = page.content.decode()
    # The floor first: the resources above everything, then the step-up.
    assert body.index("Call or text 988") < body.index("A few more questions")
    assert reverse("screening:safety_followup") in body
    flag = RiskFlag.objects.get(client=client_user, status="open")
    assert flag.triage == ""
    page = client.post(reverse("screening:safety_followup"),
                       {"q1": "1", "q2": "1", "q3": "1", "q4": "0", "q5": "0", "q6": "0"})
    assert page.status_code == 302
    flag.refresh_from_db()
    assert flag.triage == "moderate"
    # Answered: the crisis page no longer asks.
    assert reverse("screening:safety_followup") not in client.get(
        reverse("screening:crisis")).content.decode()


def test_a_higher_level_alerts_again_and_is_never_lowered(client_user, clinician):
    phq9_item9(client_user)
    alerts = Notification.objects.filter(kind="risk_alert").count()
    screening_submit(client=client_user, instrument="cssrs",
                     answers={"q1": 1, "q2": 1, "q3": 0, "q4": 1, "q5": 0, "q6": 0})
    flag = RiskFlag.objects.get(client=client_user, status="open")
    assert flag.triage == "high"
    assert Notification.objects.filter(kind="risk_alert").count() == alerts + 1
    screening_submit(client=client_user, instrument="cssrs", answers={"q1": 0, "q2": 0, "q6": 0})
    flag.refresh_from_db()
    assert flag.triage == "high"


def test_all_no_on_an_open_flag_is_recorded_as_none(client_user):
    phq9_item9(client_user)
    screening_submit(client=client_user, instrument="cssrs", answers={"q1": 0, "q2": 0, "q6": 0})
    assert RiskFlag.objects.get(client=client_user).triage == "none"


def test_a_half_done_screener_with_a_yes_still_alerts(client, client_user, stranger):
    client.force_login(stranger)  # no flag yet
    page = client.post(reverse("screening:safety_followup"), {"q5": "1"})
    assert page.status_code == 200 and 'class="field__errors"' in page.content.decode()
    assert "Call or text 988" in page.content.decode()
    assert RiskFlag.objects.filter(client=stranger, status="open").exists()


def test_the_clinician_sees_the_triage_on_the_flag(client, client_user, clinician):
    phq9_item9(client_user)
    flag = RiskFlag.objects.get(client=client_user)
    client.force_login(clinician)
    assert "C-SSRS not answered yet" in client.get(
        reverse("screening:risk_flag", args=[flag.public_id])).content.decode()
    screening_submit(client=client_user, instrument="cssrs",
                     answers={"q1": 1, "q2": 0, "q6": 1, "q6_recent": 1})
    body = client.get(reverse("screening:risk_flag", args=[flag.public_id])).content.decode()
    assert 'data-triage="high"' in body and "High risk (C-SSRS)" in body
    listing = client.get(reverse("screening:risk_flags")).content.decode()
    assert "High risk (C-SSRS)" in listing
