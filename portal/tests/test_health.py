"""/healthz (liveness: 200 while the process answers, the body names what is degraded) and
/readyz (readiness: 503 only when pages cannot be served, i.e. the database is unreachable)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.db.utils import load_backend
from django.utils import timezone

from notifications.tasks import sweep_due
from portal import health
from portal.celery import app as celery_app

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def swept():
    """The sweep has just run (as beat does every OUTBOX_SWEEP_INTERVAL seconds)."""
    sweep_due()


def test_healthy_portal_answers_200_naming_each_part(client, swept):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "broker": "ok", "sweep": "ok"}
    assert 0 <= body["detail"]["sweep"]["age_seconds"] < 60
    assert "no-cache" in response["Cache-Control"]
    assert client.get("/readyz").status_code == 200


def test_unreachable_broker_is_degraded_but_live_and_ready(client, swept):
    # A Redis URL on a port where nothing listens: a real refused connection.
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        started = time.monotonic()
        live = client.get("/healthz")
        ready = client.get("/readyz")
        elapsed = time.monotonic() - started
    finally:
        celery_app.conf.broker_url = original
    # Pages (sign-in included) work without Redis: the web tier stays in the load balancer.
    assert (live.status_code, ready.status_code) == (200, 200)
    for response in (live, ready):
        body = response.json()
        assert body["status"] == "degraded"
        assert body["checks"] == {"database": "ok", "broker": "error", "sweep": "ok"}
        assert body["degraded"] == ["broker"]
        assert "failed" not in body
    assert elapsed < 20  # a monitor must get an answer, not a hang


def test_a_sweep_that_stopped_is_a_failed_check_of_its_own(client, swept):
    with time_machine.travel(timezone.now() + timedelta(
            seconds=settings.OUTBOX_SWEEP_STALE_AFTER + 5), tick=False):
        body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["checks"]["sweep"] == "stale"
    assert body["degraded"] == ["sweep"]
    assert body["detail"]["sweep"]["age_seconds"] > settings.OUTBOX_SWEEP_STALE_AFTER


def test_no_sweep_ever_is_stale(client):
    body = client.get("/healthz").json()
    assert body["checks"]["sweep"] == "stale"
    assert body["detail"]["sweep"] == {"last_finished_at": None, "age_seconds": None}


def test_unreachable_database_is_not_ready(client, monkeypatch, tmp_path, swept):
    # A real connection object of the same backend, pointed where no database is.
    broken = dict(connection.settings_dict)
    if connection.vendor == "postgresql":
        broken.update(HOST="127.0.0.1", PORT="1")
    else:
        broken.update(NAME=str(tmp_path / "missing-folder" / "db.sqlite3"))
    backend = load_backend(broken["ENGINE"])
    dead = backend.DatabaseWrapper(broken, alias="healthz-dead")
    monkeypatch.setattr(health, "connection", dead)
    try:
        ready = client.get("/readyz")
        live = client.get("/healthz")
    finally:
        dead.close()
    assert ready.status_code == 503
    body = ready.json()
    assert body["failed"] == ["database"]
    assert body["checks"] == {"database": "error", "broker": "ok", "sweep": "ok"}
    assert "missing-folder" not in ready.content.decode()  # no error text leaks out
    assert live.status_code == 200
    assert live.json()["degraded"] == ["database"]


def test_healthz_is_get_only(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405
