"""Broker down, portal up (issue 11): with Redis unreachable, people sign in (allauth's rate
limits fall back to this process's memory and still limit) and pages work."""

from __future__ import annotations

import time

import pytest

from conftest import TEST_PASSWORD
from notifications.tests.fixtures import broker_at, free_port

pytestmark = pytest.mark.django_db

CLIENT_PAGES = ["/", "/goals/", "/appointments/", "/account/access/", "/screening/"]
CLINICIAN_PAGES = ["/", "/clinician/clients/", "/staff/messages/review/"]


@pytest.fixture
def redis_down(settings):
    """The cache and the broker point at a port where no Redis listens."""
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {"default": {
        "BACKEND": "portal.lib.cache.FailSafeRedisCache", "LOCATION": dead,
        "KEY_PREFIX": "redis-down", "OPTIONS": {"socket_connect_timeout": 0.5,
                                                "socket_timeout": 0.5}}}
    with broker_at(dead):
        yield


def test_sign_in_and_pages_work_with_redis_down(client, client_user, redis_down):
    started = time.monotonic()
    response = client.post("/accounts/login/", {"login": client_user.email,
                                                "password": TEST_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    for path in CLIENT_PAGES:
        assert client.get(path).status_code == 200, path
    assert time.monotonic() - started < 15  # one short timeout, then memory: not one per call


def test_staff_pages_work_with_redis_down(client, clinician, redis_down):
    client.force_login(clinician)
    for path in CLINICIAN_PAGES:
        assert client.get(path).status_code == 200, path
    assert client.get("/healthz").status_code == 200


def test_failed_logins_are_still_limited_with_redis_down(client, client_user, redis_down):
    statuses = []
    for _ in range(8):
        response = client.post("/accounts/login/", {"login": client_user.email,
                                                    "password": "wrong password"})
        statuses.append(response.status_code)
    assert set(statuses) <= {200, 429}
    body = response.content.decode()
    assert response.status_code == 429 or "Too many failed login attempts" in body
    # And the right password is refused while the limit holds.
    response = client.post("/accounts/login/", {"login": client_user.email,
                                                "password": TEST_PASSWORD})
    assert response.status_code != 302


@pytest.mark.needs_redis
def test_the_cache_goes_back_to_redis_when_it_returns(tmp_path, monkeypatch):
    from notifications.tests.faults import private_redis
    from portal.lib import cache as failsafe

    monkeypatch.setattr(failsafe, "RETRY_AFTER", 0.0)
    with private_redis(tmp_path) as redis:
        cache = failsafe.FailSafeRedisCache(redis.url, {"OPTIONS": {
            "socket_connect_timeout": 0.5, "socket_timeout": 0.5}})
        cache.set("shared", 1)
        redis.stop()
        cache.set("during", 2)  # Redis is gone: kept in this process's memory
        assert cache.get("during") == 2
        redis.start()  # an empty Redis (no persistence) on the same port
        assert cache.get("during") is None  # answered by Redis again
        cache.set("after", 3)
        assert cache.redis_available and cache.get("after") == 3
