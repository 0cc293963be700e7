"""Booking fixtures: the seeded service types, a clinician's weekly hours, signed consents."""

from __future__ import annotations

from datetime import time
from importlib import import_module

import pytest
from django.apps import apps as django_apps

from clients.models import ConsentDocument
from clients.services import consent_sign
from sessions.models import ServiceType, WeeklyAvailability


def service_type(code: str) -> ServiceType:
    """One of the five seeded service types (migration 0003). A transactional test runs after
    an earlier one flushed the database, so the seed is run again when they are missing."""
    if not ServiceType.objects.filter(code=code).exists():
        import_module("sessions.migrations.0003_seed_service_types").seed(django_apps, None)
    return ServiceType.objects.get(code=code)


def consent_documents_ensure() -> None:
    """The seeded consent documents (migration 0003): a transactional test runs after an earlier
    one flushed them."""
    if not ConsentDocument.objects.exists():
        import_module("clients.migrations.0003_seed_consent_documents").seed(django_apps, None)


def sign_consent(client, kind: str) -> None:
    consent_documents_ensure()
    document = (ConsentDocument.objects.filter(kind=kind, published_at__isnull=False)
                .order_by("-version").first())
    consent_sign(client=client, document=document, typed_name=client.full_name,
                 understood=True, ip_address="127.0.0.1", user_agent="pytest")


def consent_publish_new_version(kind: str, *, changes_summary: str = "") -> ConsentDocument:
    """The practice publishes the next version of the current ``kind`` document."""
    from clients.services import consent_document_new_draft, consent_document_publish

    consent_documents_ensure()
    old = (ConsentDocument.objects.filter(kind=kind, published_at__isnull=False)
           .order_by("-version").first())
    draft = consent_document_new_draft(document=old)
    draft.changes_summary = changes_summary
    draft.save()
    return consent_document_publish(document=draft)


def weekdays_nine_to_five(clinician, *, line: str = "") -> None:
    for weekday in range(5):
        WeeklyAvailability.objects.create(clinician=clinician, weekday=weekday,
                                          start_time=time(9), end_time=time(17),
                                          service_line=line)


@pytest.fixture
def open_hours(clinician):
    """Dana Reyes works Monday to Friday, 9:00 to 17:00 in America/New_York."""
    weekdays_nine_to_five(clinician)
    return clinician


@pytest.fixture
def consented(client_user):
    """client_user has signed the therapy consent and the coaching agreement."""
    sign_consent(client_user, "therapy")
    sign_consent(client_user, "coaching")
    return client_user


@pytest.fixture
def ready(client_user, clinician):
    """client_user has signed every consent (privacy, therapy, coaching) and Dana keeps her
    weekday hours: sessions of both lines can be booked (the measures before sessions)."""
    for kind in ("privacy", "therapy", "coaching"):
        sign_consent(client_user, kind)
    weekdays_nine_to_five(clinician)
    return client_user


def book_by_clinician(client_user, clinician, code: str, start):
    """The clinician books ``code`` for their client at ``start``."""
    from sessions.services import appointment_book

    return appointment_book(client=client_user, clinician=clinician,
                            service_type=service_type(code), start=start, by=clinician)
