"""A safety-positive answer reaches the clinician by email within a minute, exactly once, through
the outbox and a real Celery worker against Redis (rule 1 and rule 6 of DESIGN.md)."""

from __future__ import annotations

import time

import pytest

from notifications.models import Notification
from notifications.tasks import sweep_due
from notifications.tests.fixtures import wait_for
from screening.models import RiskFlag
from screening.services import screening_submit_many
from screening.tests.conftest import full_set

pytestmark = [
    pytest.mark.needs_postgres,
    pytest.mark.needs_redis,
    pytest.mark.django_db(transaction=True),
]

ALERT_DEADLINE = 60.0  # "within a minute"


def test_risk_alert_is_emailed_to_the_clinician_once(make_client, make_user, celery_worker,
                                                     smtp_sink):
    clinician = make_user(role="clinician", email="dr.reyes@example.com", full_name="Dana Reyes")
    client = make_client(clinician=clinician, email="quinn@example.com", full_name="Quinn Foster")

    started = time.monotonic()
    screening_submit_many(client=client, answers_by_instrument=full_set(
        safety={"s1": 1, "s2": 1}, phq9={"item1": 2}))
    flag = RiskFlag.objects.get(client=client)
    # A beat tick in the meantime must not send it again.
    sweep_due()

    assert wait_for(lambda: smtp_sink.messages_to("dr.reyes@example.com"),
                    timeout=ALERT_DEADLINE), celery_worker.log()
    assert time.monotonic() - started < ALERT_DEADLINE
    time.sleep(3)  # long enough for a duplicate to show up
    [message] = smtp_sink.messages_to("dr.reyes@example.com")
    assert smtp_sink.count() == 1  # nothing to the client, nothing twice

    text = message.decode()
    assert "Subject: A client needs your attention" in text
    assert f"/clinician/flags/{flag.public_id}/" in text
    # Discretion (rule 7): no name, no answers, no scores in the email.
    for secret in ("Quinn", "Foster", "quinn@example.com", "PHQ", "safety screen", "therapy",
                   "coaching"):
        assert secret not in text
    alert = Notification.objects.get(kind="risk_alert")
    assert (alert.status, alert.attempts) == ("sent", 1)
