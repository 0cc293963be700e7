"""`seed_demo --size large` makes the benchmark practice, within the database's rules."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from bench.pages import pages, personas
from clients.models import Role, User
from goals.models import CheckIn
from messaging.models import Message, Thread
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
    assert Thread.objects.filter(client__email__startswith="large-").count() == 200
    assert Message.objects.filter(thread__client__email__startswith="large-").count() == 1200
    assert "Large practice: {'clinicians': 5" in out.getvalue()
    # Again: nothing more.
    call_command("seed_demo", "--size", "large", stdout=StringIO())
    assert User.objects.filter(role=Role.CLIENT, email__startswith="large-").count() == 2000


def test_every_bench_page_answers_its_persona_at_the_large_practice(client):
    """What the bench measures is a real page: 200 for the persona who signs in (the message
    pages show the persona's seeded conversation, not an empty one)."""
    call_command("seed_demo", "--size", "large", stdout=StringIO())
    people = personas("large")
    assert Thread.objects.filter(client=people.client, service_line="coaching").exists()
    found = pages(people)
    names = {page.name for page in found}
    assert {"client_thread", "clinician_inbox", "clinician_thread", "client_outcomes",
            "progress"} <= names
    for page in found:
        client.force_login(people.client if page.who == "client" else people.clinician)
        response = client.get(page.url, headers={"X-Forwarded-Proto": "https"})
        assert response.status_code == 200, page.name
