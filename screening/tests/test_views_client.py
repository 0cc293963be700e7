"""The client's screening pages: who reaches them, the wizard end to end, safety first, results
in plain words, and what each page costs in queries."""

from __future__ import annotations

import itertools
import re
import uuid

import pytest
from django.urls import reverse

from notifications.models import Notification
from screening.instruments import WIZARD_ORDER
from screening.models import RiskFlag, Route, RouteRecommendation, ScreeningResponse
from screening.services import screening_submit, screening_submit_many

pytestmark = pytest.mark.django_db

SAFETY_NO = {"s1": "0", "s2": "0", "s3": "0", "s4": "0"}
PHQ9_LOW = {f"item{n}": "0" for n in range(1, 10)}
PHQ9_HIGH = {**{f"item{n}": "2" for n in range(1, 9)}, "item9": "0", "item10": "2"}  # 16
GAD7_LOW = {f"item{n}": "0" for n in range(1, 8)}
GAD7_HIGH = {f"item{n}": "3" for n in range(1, 8)}  # 21
WHO5_ANSWERS = {f"item{n}": "3" for n in range(1, 6)}
THERAPY_YES = {f"t{n}": "1" for n in range(1, 9)}
THERAPY_NO = {f"t{n}": "0" for n in range(1, 9)}
COACHING_YES = {f"c{n}": "1" for n in range(1, 9)}
COACHING_NO = {f"c{n}": "0" for n in range(1, 9)}
SEVERITY_WORDS = ("moderate", "severe", "minimal", "mild")


def step_url(code: str) -> str:
    return reverse("screening:step", args=[code])


def ints(answers: dict[str, str]) -> dict[str, int]:
    return {code: int(value) for code, value in answers.items()}


def wizard(client, answers_by_step: dict[str, dict[str, str]]):
    """Post every step in order; returns the last response."""
    response = None
    for code in WIZARD_ORDER:
        response = client.post(step_url(code), answers_by_step[code])
        assert response.status_code == 302, (code, response.content.decode()[:2000])
    return response


@pytest.fixture
def signed_in(client, client_user):
    client.force_login(client_user)
    return client


def submit_high(person) -> None:
    screening_submit_many(client=person, answers_by_instrument={
        "safety": ints(SAFETY_NO), "phq9": ints(PHQ9_HIGH), "gad7": ints(GAD7_HIGH),
        "who5": ints(WHO5_ANSWERS), "self_assessment": ints({**THERAPY_YES, **COACHING_YES})})


# --- Who reaches which page -----------------------------------------------------------------


def client_urls(response: ScreeningResponse) -> list[str]:
    return [
        reverse("screening:start"), step_url("safety"), step_url("who5"),
        reverse("screening:results"), reverse("screening:retake", args=["phq9"]),
        reverse("screening:response", args=[response.public_id]),
    ]


def test_anonymous_goes_to_login_except_crisis(client, client_user):
    response = screening_submit(client=client_user, instrument="who5", answers=WHO5_ANSWERS)
    for url in client_urls(response):
        page = client.get(url)
        assert page.status_code == 302, url
        assert page["Location"].startswith(reverse("account_login"))
    assert client.post(step_url("safety"), SAFETY_NO).status_code == 302
    assert client.get(reverse("screening:crisis")).status_code == 200


def test_staff_get_404_on_client_pages(client, client_user, clinician, admin_user):
    response = screening_submit(client=client_user, instrument="who5", answers=WHO5_ANSWERS)
    for person in (clinician, admin_user):
        client.force_login(person)
        for url in client_urls(response):
            assert client.get(url).status_code == 404, (person, url)
        assert client.post(step_url("safety"), {**SAFETY_NO, "s1": "1"}).status_code == 404
    assert not RiskFlag.objects.exists()


def test_stranger_gets_404_on_another_clients_response(client, client_user, stranger):
    response = screening_submit(client=client_user, instrument="who5", answers=WHO5_ANSWERS)
    client.force_login(stranger)
    assert client.get(reverse("screening:response", args=[response.public_id])).status_code == 404
    assert client.get(reverse("screening:response", args=[uuid.uuid4()])).status_code == 404


def test_unknown_step_and_retake_are_404(signed_in):
    assert signed_in.get(step_url("nope")).status_code == 404
    assert signed_in.get(reverse("screening:retake", args=["safety"])).status_code == 404
    assert signed_in.get(reverse("screening:retake", args=["nope"])).status_code == 404


# --- Start ----------------------------------------------------------------------------------


def test_start_explains_and_begins(signed_in, django_assert_num_queries):
    # 1. session with user  2. current recommendation
    with django_assert_num_queries(2):
        page = signed_in.get(reverse("screening:start"))
    body = page.content.decode()
    assert "not a diagnosis" in body
    assert "Only you and your clinician see your answers" in body
    assert "10 minutes" in body
    assert f'href="{step_url("safety")}">Begin' in body
    assert reverse("screening:results") not in body
    assert "Retake one questionnaire" not in body


def test_start_with_results_links_to_them_and_to_retakes(signed_in, client_user,
                                                         django_assert_num_queries):
    submit_high(client_user)
    with django_assert_num_queries(2):
        body = signed_in.get(reverse("screening:start")).content.decode()
    assert reverse("screening:results") in body
    assert "Retake one questionnaire" in body
    for code, title in (("phq9", "Mood over the last two weeks"),
                        ("gad7", "Worry and tension over the last two weeks"),
                        ("who5", "Your wellbeing over the last two weeks")):
        assert f'href="{reverse("screening:retake", args=[code])}">{title}' in body


# --- The wizard -----------------------------------------------------------------------------


@pytest.mark.parametrize(("phq9", "gad7", "assessment", "route"), [
    (PHQ9_HIGH, GAD7_LOW, {**THERAPY_NO, **COACHING_NO}, Route.THERAPY),
    (PHQ9_LOW, GAD7_HIGH, {**THERAPY_YES, **COACHING_YES}, Route.INTEGRATED),
    (PHQ9_LOW, GAD7_LOW, {**THERAPY_NO, **COACHING_YES}, Route.COACHING),
])
def test_wizard_end_to_end(signed_in, client_user, phq9, gad7, assessment, route):
    last = wizard(signed_in, {"safety": SAFETY_NO, "phq9": phq9, "gad7": gad7,
                              "who5": WHO5_ANSWERS, "self_assessment": assessment})
    assert last["Location"] == reverse("screening:results")
    assert ScreeningResponse.objects.filter(client=client_user).count() == 5
    recommendation = RouteRecommendation.objects.get(client=client_user)
    assert recommendation.route == route
    assert "screening_draft" not in signed_in.session
    body = signed_in.get(last["Location"]).content.decode()
    label = {"therapy": "Therapy", "integrated": "Therapy and coaching",
             "coaching": "Coaching"}[route]
    assert f'<p class="result-path__route">{label}</p>' in body
    assert not RiskFlag.objects.exists()


def test_step_shows_progress_and_radios(signed_in, django_assert_num_queries):
    signed_in.post(step_url("safety"), SAFETY_NO)
    # 1. session with user (the draft is in the session row)
    with django_assert_num_queries(1):
        page = signed_in.get(step_url("phq9"))
    body = page.content.decode()
    assert "Step 2 of 5" in body
    assert '<progress class="wizard__bar" max="5" value="2"' in body
    assert body.count("<fieldset") == 10
    assert body.count("<legend") == 10
    assert 'type="radio" name="item1" value="3"' in body
    assert f'href="{step_url("safety")}">Back' in body
    assert "style=" not in body


def test_step_post_saves_the_draft_and_moves_on(signed_in, django_assert_num_queries):
    # 1. session with user  3.-4. session saved with the draft (savepoint, UPDATE, release)
    with django_assert_num_queries(4):
        page = signed_in.post(step_url("safety"), SAFETY_NO)
    assert page["Location"] == step_url("phq9")
    assert signed_in.session["screening_draft"] == {"safety": ints(SAFETY_NO)}


def test_going_back_keeps_answers(signed_in):
    signed_in.post(step_url("safety"), SAFETY_NO)
    signed_in.post(step_url("phq9"), PHQ9_HIGH)
    body = signed_in.get(step_url("phq9")).content.decode()
    assert re.search(r'name="item1" value="2"[^>]*checked', body)
    assert re.search(r'name="item10" value="2"[^>]*checked', body)
    assert not re.search(r'name="item1" value="0"[^>]*checked', body)
    body = signed_in.get(step_url("safety")).content.decode()
    assert re.search(r'name="s1" value="0"[^>]*checked', body)
    # Changing an earlier page keeps the later ones.
    signed_in.post(step_url("safety"), SAFETY_NO)
    assert set(signed_in.session["screening_draft"]) == {"safety", "phq9"}
    assert signed_in.get(step_url("gad7")).status_code == 200


def test_invalid_post_shows_the_error_next_to_the_item(signed_in, django_assert_num_queries):
    signed_in.post(step_url("safety"), SAFETY_NO)
    answers = {**PHQ9_HIGH}
    del answers["item3"]
    # 1. session with user (nothing saved)
    with django_assert_num_queries(1):
        page = signed_in.post(step_url("phq9"), answers)
    assert page.status_code == 200
    body = page.content.decode()
    assert "<title>Error:" in body
    assert 'role="alert"' in body and 'href="#id_item3_0"' in body
    assert '<ul class="field__errors" id="id_item3_error">' in body
    assert 'aria-describedby="id_item3_error"' in body
    assert re.search(r'aria-invalid="true"[^>]*id="id_item3_0"', body) \
        or re.search(r'id="id_item3_0"[^>]*aria-invalid="true"', body) \
        or 'name="item3" value="0" aria-invalid="true"' in body
    assert "Please answer this question." in body
    # The other answers are kept.
    assert re.search(r'name="item1" value="2"[^>]*checked', body)
    assert re.search(r'name="item10" value="2"[^>]*checked', body)
    assert set(signed_in.session["screening_draft"]) == {"safety"}


def test_item10_only_needed_when_something_was_checked(signed_in):
    signed_in.post(step_url("safety"), SAFETY_NO)
    page = signed_in.post(step_url("phq9"), PHQ9_LOW)
    assert page.status_code == 302
    answers = {**PHQ9_HIGH}
    del answers["item10"]
    page = signed_in.post(step_url("phq9"), answers)
    assert page.status_code == 200
    assert '<ul class="field__errors" id="id_item10_error">' in page.content.decode()


def test_skipping_ahead_goes_to_the_first_missing_step(signed_in):
    page = signed_in.get(step_url("self_assessment"))
    assert page["Location"] == step_url("safety")
    signed_in.post(step_url("safety"), SAFETY_NO)
    page = signed_in.post(step_url("who5"), WHO5_ANSWERS)
    assert page["Location"] == step_url("phq9")
    assert set(signed_in.session["screening_draft"]) == {"safety"}


def test_safety_yes_goes_straight_to_the_crisis_page(signed_in, client_user,
                                                     django_assert_num_queries):
    page = signed_in.post(step_url("safety"), {**SAFETY_NO, "s2": "1"})
    assert page["Location"] == reverse("screening:crisis")
    response = ScreeningResponse.objects.get(client=client_user)
    assert response.instrument == "safety"
    flag = RiskFlag.objects.get(client=client_user)
    assert flag.response == response and flag.status == RiskFlag.Status.OPEN
    assert Notification.objects.filter(kind=Notification.Kind.RISK_ALERT).count() == 1
    assert RouteRecommendation.objects.get(client=client_user).route == Route.CRISIS
    assert "screening_draft" not in signed_in.session

    # 1. session with user  2. open flag?  3. profile with clinician and their profile
    with django_assert_num_queries(3):
        body = signed_in.get(page["Location"]).content.decode()
    assert "We have let your clinician, Dana Reyes, know" in body
    assert 'href="tel:988"' in body and 'href="sms:988"' in body and 'href="tel:911"' in body
    assert "Continue the questionnaire later" not in body


def test_phq9_item9_submits_phq9_and_safety_at_once(signed_in, client_user):
    signed_in.post(step_url("safety"), SAFETY_NO)
    page = signed_in.post(step_url("phq9"), {**PHQ9_LOW, "item9": "1", "item10": "1"})
    assert page["Location"] == reverse("screening:crisis")
    assert set(ScreeningResponse.objects.filter(client=client_user)
               .values_list("instrument", flat=True)) == {"safety", "phq9"}
    flag = RiskFlag.objects.get(client=client_user)
    assert flag.response.instrument == "phq9"
    assert RouteRecommendation.objects.get(client=client_user).route == Route.CRISIS
    assert "screening_draft" not in signed_in.session


def test_crisis_offers_to_continue_when_drafts_remain(signed_in, client_user):
    for code, answers in (("safety", SAFETY_NO), ("phq9", PHQ9_LOW), ("gad7", GAD7_LOW)):
        signed_in.post(step_url(code), answers)
    # They go back and change the safety page to a yes.
    page = signed_in.post(step_url("safety"), {**SAFETY_NO, "s4": "1"})
    assert page["Location"] == reverse("screening:crisis")
    assert set(signed_in.session["screening_draft"]) == {"phq9", "gad7"}
    body = signed_in.get(reverse("screening:crisis")).content.decode()
    assert f'href="{step_url("safety")}">Continue the questionnaire later' in body


def test_crisis_page_for_anyone(client, django_assert_num_queries):
    # No session cookie: no queries at all.
    with django_assert_num_queries(0):
        page = client.get(reverse("screening:crisis"))
    body = page.content.decode()
    assert "Call or text 988 (Suicide &amp; Crisis Lifeline)" in body
    assert "Call <a href=\"tel:911\">911</a> if you are in immediate danger" in body
    assert 'href="sms:988"' in body
    assert "We have let" not in body  # nobody was told about an anonymous visitor
    assert "style=" not in body


def test_crisis_page_for_a_client_without_a_flag_claims_nothing(signed_in,
                                                                django_assert_num_queries):
    # 1. session with user  2. open flag?
    with django_assert_num_queries(2):
        body = signed_in.get(reverse("screening:crisis")).content.decode()
    assert "We have let" not in body


def test_crisis_page_without_a_clinician_says_the_practice_was_told(client, make_client):
    lone = make_client(clinician=None)
    screening_submit(client=lone, instrument="safety", answers={**ints(SAFETY_NO), "s1": 1})
    client.force_login(lone)
    body = client.get(reverse("screening:crisis")).content.decode()
    assert "The practice's clinicians have been told" in body


# --- Results --------------------------------------------------------------------------------


def test_results_without_a_recommendation_go_to_start(signed_in):
    assert signed_in.get(reverse("screening:results"))["Location"] == reverse("screening:start")


def test_results_never_show_totals_bands_or_severity(signed_in, client_user,
                                                     django_assert_num_queries):
    submit_high(client_user)
    # 1. session with user  2. current recommendation  3. latest responses
    with django_assert_num_queries(3):
        page = signed_in.get(reverse("screening:results"))
    # The CSRF token is random letters: it could spell "gad" or "band" now and then.
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page.content.decode())
    lowered = body.lower()
    for word in (*SEVERITY_WORDS, "total", "score", "band", "phq", "gad", "who-5"):
        assert word not in lowered, word
    for total in ("16", "21"):
        assert f">{total}<" not in body and f" {total} " not in body
    assert '<p class="result-path__route">Therapy and coaching</p>' in body
    assert "You told us that low mood" in body
    assert "You told us that worry" in body
    assert reverse("booking:choose_type") in body
    for response in ScreeningResponse.objects.filter(client=client_user):
        assert reverse("screening:response", args=[response.public_id]) in body


def test_results_of_a_crisis_show_the_resources_first(signed_in, client_user):
    screening_submit(client=client_user, instrument="safety", answers={**ints(SAFETY_NO), "s1": 1})
    body = signed_in.get(reverse("screening:results")).content.decode()
    assert body.index('href="tel:988"') < body.index("The path we suggest")
    assert "You deserve support right now" in body


def test_results_say_the_crisis_reason_once(signed_in, client_user):
    screening_submit_many(client=client_user, answers_by_instrument={
        "safety": {**ints(SAFETY_NO), "s1": 1}, "phq9": {**ints(PHQ9_LOW), "item9": 1,
                                                         "item10": 0}})
    body = signed_in.get(reverse("screening:results")).content.decode()
    assert body.count("You told us you have had thoughts of harm") == 1


def test_results_show_the_clinicians_route(signed_in, client_user, clinician):
    submit_high(client_user)
    recommendation = RouteRecommendation.objects.get(client=client_user)
    recommendation.override_route = Route.THERAPY
    recommendation.override_note = "Therapy first; coaching later."
    recommendation.overridden_by = clinician
    recommendation.overridden_at = recommendation.created_at
    recommendation.save()
    body = signed_in.get(reverse("screening:results")).content.decode()
    assert '<p class="result-path__route">Therapy</p>' in body
    assert "Your clinician has reviewed your answers" in body
    assert "coaching later" not in body  # the clinician's note is for the record


def test_response_page_reads_back_the_answers_in_words(signed_in, client_user,
                                                       django_assert_num_queries):
    [response] = screening_submit_many(client=client_user,
                                       answers_by_instrument={"phq9": ints(PHQ9_HIGH)})
    # 1. session with user  2. the response
    with django_assert_num_queries(2):
        body = signed_in.get(reverse("screening:response", args=[response.public_id])) \
            .content.decode()
    assert "Mood over the last two weeks" in body
    assert "Little interest or pleasure in doing things" in body
    assert "More than half the days" in body
    assert "Very difficult" in body
    lowered = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body).lower()
    for word in (*SEVERITY_WORDS, "total", "score"):
        assert word not in lowered


# --- Retake ---------------------------------------------------------------------------------


def test_retake_one_questionnaire(signed_in, client_user, django_assert_num_queries):
    submit_high(client_user)
    url = reverse("screening:retake", args=["gad7"])
    # 1. session with user
    with django_assert_num_queries(1):
        body = signed_in.get(url).content.decode()
    assert "Worry and tension over the last two weeks" in body
    assert "Step " not in body
    page = signed_in.post(url, {"item1": "1"})
    assert page.status_code == 200
    assert '<ul class="field__errors" id="id_item2_error">' in page.content.decode()
    page = signed_in.post(url, GAD7_LOW)
    assert page["Location"] == reverse("screening:results")
    assert ScreeningResponse.objects.filter(client=client_user, instrument="gad7").count() == 2


def test_retake_phq9_with_item9_goes_to_crisis(signed_in, client_user):
    page = signed_in.post(reverse("screening:retake", args=["phq9"]),
                          {**PHQ9_LOW, "item9": "2", "item10": "0"})
    assert page["Location"] == reverse("screening:crisis")
    assert RiskFlag.objects.filter(client=client_user, status="open").exists()


SAFETY_POSITIVE = [combo for combo in itertools.product("01", repeat=4)
                   if "1" in combo]


@pytest.mark.parametrize("combo", SAFETY_POSITIVE, ids="".join)
def test_every_positive_safety_combination_reaches_the_crisis_page(signed_in, client_user,
                                                                    combo):
    page = signed_in.post(step_url("safety"), dict(zip(SAFETY_NO, combo, strict=True)))
    assert page["Location"] == reverse("screening:crisis")
    assert 'href="tel:988"' in signed_in.get(page["Location"]).content.decode()
    assert RiskFlag.objects.filter(client=client_user, status="open").count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.RISK_ALERT).count() == 1


@pytest.mark.parametrize("item9", ["1", "2", "3"])
def test_every_positive_item9_reaches_the_crisis_page(signed_in, client_user, item9):
    signed_in.post(step_url("safety"), SAFETY_NO)
    page = signed_in.post(step_url("phq9"), {**PHQ9_LOW, "item9": item9, "item10": "0"})
    assert page["Location"] == reverse("screening:crisis")
    assert RiskFlag.objects.filter(client=client_user, status="open").count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.RISK_ALERT).count() == 1


def test_a_negative_safety_screen_moves_on_quietly(signed_in, client_user):
    page = signed_in.post(step_url("safety"), SAFETY_NO)
    assert page["Location"] == step_url("phq9")
    assert not RiskFlag.objects.exists()
    assert not Notification.objects.filter(kind=Notification.Kind.RISK_ALERT).exists()


def test_the_self_assessment_is_one_list_to_tick_and_records_every_statement(signed_in,
                                                                              client_user):
    """Tick all that apply: nothing has to be answered one by one, and every statement is
    still recorded (unticked is no), so the route and the clinician's view have all 16."""
    wizard_until = {"safety": SAFETY_NO, "phq9": PHQ9_LOW, "gad7": GAD7_LOW,
                    "who5": WHO5_ANSWERS}
    for code in WIZARD_ORDER[:-1]:
        assert WIZARD_ORDER[-1] == "self_assessment"
        signed_in.post(step_url(code), wizard_until[code])
    page = signed_in.get(step_url("self_assessment")).content.decode()
    assert "Tick every statement that fits you" in page
    assert page.count('type="checkbox"') == 16 and 'type="radio"' not in page
    response = signed_in.post(step_url("self_assessment"), {"c2": "1", "c5": "1"})
    assert response.status_code == 302
    answers = ScreeningResponse.objects.get(client=client_user,
                                            instrument="self_assessment").answers
    assert len(answers) == 16
    assert {code for code, value in answers.items() if value} == {"c2", "c5"}
    assert RouteRecommendation.objects.get(client=client_user).route == Route.COACHING
