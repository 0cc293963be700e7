"""The safety floor under real faults (issue 10): the database refuses the save, and the broker
is down as well. The person sees help at once either way, and the flag and the clinician's alert
follow as soon as the database is back: from a real Celery worker's retrying task, or from the
person's next request."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from notifications.tests.fixtures import broker_at, free_port, wait_for
from screening.middleware import SAFETY_PENDING_KEY
from screening.models import RiskFlag
from screening.tests.test_safety_floor import assert_crisis_resources, main_content


@pytest.mark.needs_postgres
@pytest.mark.needs_redis
@pytest.mark.django_db(transaction=True)
def test_a_failed_save_is_written_by_the_worker_once_the_database_is_back(
        client, client_user, clinician, celery_worker, smtp_sink, screening_writes_fail):
    client.force_login(client_user)
    page = client.post(reverse("screening:step", args=["safety"]), {"s2": "1"})

    assert page.status_code == 200
    assert_crisis_resources(page.content.decode())
    assert "letting your clinician" in main_content(page.content.decode())
    # The worker tries, the database still refuses, it tries again later.
    assert wait_for(lambda: "still could not be written" in celery_worker.log(), timeout=20), \
        celery_worker.log()
    assert not RiskFlag.objects.exists()

    screening_writes_fail()  # the database is back
    back = time.monotonic()
    assert wait_for(lambda: RiskFlag.objects.filter(client=client_user,
                                                    status="open").exists(),
                    timeout=30), celery_worker.log()
    assert wait_for(lambda: smtp_sink.messages_to(clinician.email), timeout=60), \
        celery_worker.log()
    assert time.monotonic() - back < 60
    time.sleep(2)  # long enough for a duplicate to show up
    assert len(smtp_sink.messages_to(clinician.email)) == 1


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_too_the_next_request_writes_the_flag(
        client, client_user, clinician, screening_writes_fail):
    client.force_login(client_user)
    with broker_at(f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there
        page = client.post(reverse("screening:step", args=["safety"]), {"s4": "1"})
    assert page.status_code == 200
    assert_crisis_resources(page.content.decode())
    assert client.session[SAFETY_PENDING_KEY] == [{"instrument": "safety",
                                                   "answers": {"s4": 1}}]
    assert not RiskFlag.objects.exists()

    screening_writes_fail()  # the database is back; the broker still is not needed
    client.get(reverse("home"))
    flag = RiskFlag.objects.get(client=client_user, status="open")
    assert flag.trigger == {"instrument": "safety", "answers": {"s4": 1}}
    assert SAFETY_PENDING_KEY not in client.session
