"""`seed_demo --size large` makes the benchmark practice, within the database's rules."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from clients.models import Role, User
from goals.models import CheckIn
from screening.models import ScreeningResponse
from sessions.models import Appointment

pytestmark = pytest.mark.django_db


def test_large_practice_has_the_promised_size_once():
    out = StringIO()
    call_command("seed_demo", "--size", "large", stdout=out)
    assert User.objects.filter(role=Role.CLINICIAN, email__startswith="large-").count() == 5
    assert User.objects.filter(role=Role.CLIENT, email__startswith="large-").count() == 2000
    assert Appointment.objects.filter(clinician__email__startswith="large-").count() == 20_000
    assert CheckIn.objects.filter(goal__client__email__startswith="large-").count() == 100_000
    assert ScreeningResponse.objects.filter(client__email__startswith="large-").count() == 10_000
    assert "Large practice: {'clinicians': 5" in out.getvalue()
    # Again: nothing more.
    call_command("seed_demo", "--size", "large", stdout=StringIO())
    assert User.objects.filter(role=Role.CLIENT, email__startswith="large-").count() == 2000
