from __future__ import annotations

import datetime as dt

import pytest

from clients.models import ClientProfile, ClientStatus, ClinicianProfile, User

# Monday 4 January 2027, 10:00 in Chicago (Dana's zone): inside her default message hours.
MONDAY_MORNING = dt.datetime(2027, 1, 4, 16, 0, tzinfo=dt.UTC)
# Saturday 9 January 2027, 10:00 in Chicago: outside them.
SATURDAY = dt.datetime(2027, 1, 9, 16, 0, tzinfo=dt.UTC)


def activate(client: User) -> User:
    ClientProfile.objects.filter(user=client).update(status=ClientStatus.ACTIVE)
    client.client_profile.refresh_from_db()
    return client


def coaching_only(clinician: User) -> User:
    ClinicianProfile.objects.filter(user=clinician).update(service_lines="coaching")
    clinician.clinician_profile.refresh_from_db()
    return clinician


@pytest.fixture
def alex(client_user) -> User:
    """Alex Morgan, an active client in both lines, assigned to Dana (who provides both)."""
    return activate(client_user)
