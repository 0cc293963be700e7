"""Each guard of booking_eligibility on its own (mutation testing found every one could be
deleted with no test failing): everything else about the booking is allowed, so the one thing
wrong is the reason given, and deleting that guard would let the booking through."""

from __future__ import annotations

import pytest

from sessions.models import BookableBy
from sessions.selectors import booking_eligibility
from sessions.tests.conftest import service_type

pytestmark = pytest.mark.django_db

CONSULTATION = "therapy-consultation"  # open to anyone signed up: no consent, no intake


def test_the_baseline_is_bookable(client_user, clinician):
    assert booking_eligibility(client=client_user, clinician=clinician,
                               service_type=service_type(CONSULTATION)) is None


def test_an_inactive_client_account_is_refused(client_user, clinician):
    client_user.is_active = False
    assert booking_eligibility(client=client_user, clinician=clinician,
                               service_type=service_type(CONSULTATION)) == (
        "Only an active client account can have appointments.")


def test_an_account_that_is_not_a_client_is_refused(client_user, clinician, other_clinician):
    # A clinician's account, as the "client": active, but not a client.
    other_clinician.client_profile = client_user.client_profile
    assert booking_eligibility(client=other_clinician, clinician=clinician,
                               service_type=service_type(CONSULTATION)) == (
        "Only an active client account can have appointments.")


def test_a_deactivated_clinician_is_refused(client_user, clinician):
    clinician.is_active = False
    assert booking_eligibility(client=client_user, clinician=clinician,
                               service_type=service_type(CONSULTATION)) == (
        "Choose one of the practice's clinicians.")


def test_an_account_that_is_not_a_clinician_is_refused(make_client, client_user, clinician):
    # Another client's account as the "clinician"; client_user is assigned to it so that no
    # later rule (sessions with one's own clinician) could refuse in the guard's place.
    other = make_client(email="other-client@example.com")
    client_user.client_profile.clinician = other
    assert booking_eligibility(client=client_user, clinician=other,
                               service_type=service_type(CONSULTATION)) == (
        "Choose one of the practice's clinicians.")


def test_an_inactive_service_type_is_refused(client_user, clinician):
    consultation = service_type(CONSULTATION)
    consultation.is_active = False
    assert booking_eligibility(client=client_user, clinician=clinician,
                               service_type=consultation) == (
        "This kind of appointment is not offered at the moment.")


def test_a_clinician_only_type_is_refused_to_the_client_and_open_to_the_clinician(
        client_user, clinician):
    consultation = service_type(CONSULTATION)
    consultation.bookable_by = BookableBy.CLINICIAN
    assert booking_eligibility(client=client_user, clinician=clinician,
                               service_type=consultation) == (
        "Your clinician books this kind of appointment with you.")
    assert booking_eligibility(client=client_user, clinician=clinician,
                               service_type=consultation, by=clinician) is None


def test_a_clinician_books_only_for_their_own_clients(client_user, clinician, other_clinician):
    consultation = service_type(CONSULTATION)
    assert booking_eligibility(client=client_user, clinician=other_clinician,
                               service_type=consultation, by=other_clinician) == (
        "This client is assigned to another clinician.")
    # An unassigned client may be booked by any clinician.
    client_user.client_profile.clinician = None
    assert booking_eligibility(client=client_user, clinician=other_clinician,
                               service_type=consultation, by=other_clinician) is None
