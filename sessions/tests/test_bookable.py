"""Which service types a client is offered on the booking page, and one of them fetched by code
for that client: their consented lines, the consultations of both for a prospective client, and
the therapy consultation for a coaching client at risk (rule 1). Whether an offered type can be
booked now is booking_eligibility's answer, checked here only where the two meet."""

from __future__ import annotations

import pytest
from django.http import Http404

from screening.services import risk_flag_resolve, screening_submit
from screening.tests.conftest import answers
from sessions.models import ServiceType
from sessions.selectors import (
    booking_eligibility,
    service_type_bookable_for_client,
    service_types_bookable_for_client,
)
from sessions.tests.conftest import service_type, sign_consent

pytestmark = pytest.mark.django_db

THERAPY = ["therapy-consultation", "therapy-intake", "therapy-session"]
COACHING = ["coaching-consultation", "coaching-session"]
CONSULTATIONS = ["coaching-consultation", "therapy-consultation"]


def signed_up(make_client, clinician, *kinds: str):
    """A client of ``clinician`` who signed the consents of ``kinds`` (which adds their lines to
    the profile), with the profile fetched again as a view's ``_profile`` would."""
    person = make_client(clinician=clinician, service_lines="")
    for kind in kinds:
        sign_consent(person, kind)
    person.client_profile.refresh_from_db()
    return person


def offered(client) -> list[str]:
    return [t.code for t in service_types_bookable_for_client(client=client)]


def at_risk(client) -> None:
    screening_submit(client=client, instrument="safety", answers=answers("safety", s1=1))


def test_a_therapy_client_is_offered_therapy(make_client, clinician,
                                             django_assert_num_queries):
    person = signed_up(make_client, clinician, "therapy")
    with django_assert_num_queries(1):  # the active service types; no risk-flag query
        assert offered(person) == THERAPY
    with pytest.raises(Http404):
        service_type_bookable_for_client(client=person, code="coaching-consultation")


def test_a_coaching_client_is_offered_coaching(make_client, clinician,
                                               django_assert_num_queries):
    person = signed_up(make_client, clinician, "coaching")
    # 1. the active service types  2. an open risk flag? (no: the therapy consultation stays out)
    with django_assert_num_queries(2):
        assert offered(person) == COACHING
    for code in THERAPY:
        with pytest.raises(Http404):
            service_type_bookable_for_client(client=person, code=code)


def test_a_client_of_both_lines_is_offered_both(make_client, clinician):
    person = signed_up(make_client, clinician, "therapy", "coaching")
    assert offered(person) == COACHING + THERAPY
    for code in COACHING + THERAPY:
        assert service_type_bookable_for_client(client=person, code=code).code == code


def test_a_coaching_client_at_risk_is_offered_the_therapy_consultation(make_client, clinician):
    person = signed_up(make_client, clinician, "coaching")
    at_risk(person)
    assert offered(person) == [*COACHING, "therapy-consultation"]
    therapy = service_type_bookable_for_client(client=person, code="therapy-consultation")
    assert booking_eligibility(client=person, clinician=clinician, service_type=therapy) is None
    # Coaching stays listed, blocked, and the reason points to the therapy consultation.
    for code in COACHING:
        reason = booking_eligibility(client=person, clinician=clinician,
                                     service_type=service_type(code))
        assert reason.startswith("Coaching can't be booked or moved right now")
        assert "A therapy consultation is still available." in reason
    for code in ("therapy-intake", "therapy-session"):
        with pytest.raises(Http404):
            service_type_bookable_for_client(client=person, code=code)

    risk_flag_resolve(flag=person.risk_flags.get(), note="Spoke with the client; safe.",
                      by=clinician)
    assert offered(person) == COACHING
    with pytest.raises(Http404):
        service_type_bookable_for_client(client=person, code="therapy-consultation")


def test_a_client_of_both_lines_at_risk_is_offered_the_same(make_client, clinician):
    person = signed_up(make_client, clinician, "therapy", "coaching")
    at_risk(person)
    assert offered(person) == COACHING + THERAPY


def test_a_client_without_consent_is_offered_the_consultations(make_client, clinician,
                                                               django_assert_num_queries):
    person = signed_up(make_client, None)
    with django_assert_num_queries(1):
        assert offered(person) == CONSULTATIONS
    for code in ("therapy-intake", "therapy-session", "coaching-session"):
        with pytest.raises(Http404):
            service_type_bookable_for_client(client=person, code=code)
    assert service_type_bookable_for_client(client=person,
                                            code="coaching-consultation").code == (
        "coaching-consultation")


def test_inactive_and_unknown_types_are_not_offered(make_client, clinician):
    person = signed_up(make_client, clinician, "therapy", "coaching")
    ServiceType.objects.filter(code="therapy-session").update(is_active=False)
    assert "therapy-session" not in offered(person)
    for code in ("therapy-session", "no-such-type"):
        with pytest.raises(Http404):
            service_type_bookable_for_client(client=person, code=code)
