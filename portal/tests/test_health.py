"""GET /healthz answers for the database and the broker, and names the one that failed."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.db.utils import load_backend

from portal import health
from portal.celery import app as celery_app

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthy_portal_answers_200_naming_each_part(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_unreachable_broker_gives_503_naming_the_broker(client):
    # A Redis URL on a port where nothing listens: a real refused connection.
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    finally:
        celery_app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json() == {
        "status": "error", "checks": {"database": "ok", "broker": "error"}, "failed": ["broker"],
    }
    assert elapsed < 15  # a monitor must get an answer, not a hang


def test_unreachable_database_gives_503_naming_the_database(client, monkeypatch, tmp_path):
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
        response = client.get("/healthz")
    finally:
        dead.close()
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["database"]
    assert body["checks"] == {"database": "error", "broker": "ok"}
    assert "missing-folder" not in response.content.decode()  # no error text leaks out


def test_healthz_is_get_only(client):
    assert client.post("/healthz").status_code == 405
