"""Sessions read through their own Redis cache (portal/lib/sessions.py), and the database when
that Redis is gone: signing in, reading pages and signing out all keep working."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import caches
from django.urls import reverse

from conftest import TEST_PASSWORD
from notifications.tests.fixtures import free_port, wait_for

pytestmark = [pytest.mark.django_db, pytest.mark.needs_redis]

STORE = "portal.lib.sessions"
PREFIX = "django.contrib.sessions.cached_db"


def _use_session_cache(settings, location: str) -> None:
    settings.CACHES = {**settings.CACHES, "sessions": {
        "BACKEND": "portal.lib.redis_cache.SharedClientRedisCache", "LOCATION": location,
        "KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", "") + "-sessions",
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}}}
    settings.SESSION_ENGINE = STORE
    settings.SESSION_CACHE_ALIAS = "sessions"


@pytest.fixture
def session_cache(settings) -> None:
    """The store on the Redis of the test run, as production configures it."""
    _use_session_cache(settings, django_settings.REDIS_URL)


@pytest.fixture
def private_redis(settings) -> Iterator[subprocess.Popen]:
    """A redis-server of this test's own on a free port (the test stops it), at most 2 minutes."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        ["timeout", "120", binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def answers() -> bool:
        try:
            return redis.Redis(port=port, socket_connect_timeout=0.2).ping()
        except redis.ConnectionError:
            return False

    assert wait_for(answers, timeout=10, interval=0.05), "the private redis-server did not start"
    _use_session_cache(settings, f"redis://127.0.0.1:{port}/0")
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


def _sign_in(client, user) -> None:
    response = client.post(reverse("account_login"),
                           {"login": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_production_reads_sessions_through_their_own_cache():
    # The settings module as loaded (the tests' autouse fixture puts sessions in the database).
    from portal import settings as configured

    if configured.REDIS_URL:
        assert configured.SESSION_ENGINE == STORE
        assert configured.SESSION_CACHE_ALIAS == "sessions"
        assert configured.CACHES["sessions"]["KEY_PREFIX"] != configured.CACHES["default"][
            "KEY_PREFIX"]
    else:
        assert configured.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_a_signed_in_page_reads_its_session_from_the_cache(client, client_user, session_cache,
                                                          django_assert_num_queries):
    client.force_login(client_user)
    client.get(reverse("booking:appointments"))
    # 1. user  2.-3. upcoming and past appointments  4. waitlist (no session query: the
    # session comes from Redis)
    with django_assert_num_queries(4):
        response = client.get(reverse("booking:appointments"))
    assert response.status_code == 200


def test_each_cached_session_holds_its_own_person_only(client, client_user, stranger,
                                                       session_cache):
    other = client.__class__()
    client.force_login(client_user)
    other.force_login(stranger)
    assert client_user.full_name in client.get(reverse("home")).content.decode()
    page = other.get(reverse("home")).content.decode()
    assert stranger.full_name in page and client_user.full_name not in page
    cache = caches["sessions"]
    mine = cache.get(PREFIX + client.cookies[django_settings.SESSION_COOKIE_NAME].value)
    theirs = cache.get(PREFIX + other.cookies[django_settings.SESSION_COOKIE_NAME].value)
    assert mine["_auth_user_id"] == str(client_user.pk)
    assert theirs["_auth_user_id"] == str(stranger.pk)


def test_sign_in_pages_and_sign_out_work_with_the_session_redis_stopped(client, client_user,
                                                                        private_redis):
    _sign_in(client, client_user)
    assert client.get(reverse("home")).status_code == 200
    key = PREFIX + client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert caches["sessions"].get(key)["_auth_user_id"] == str(client_user.pk)
    private_redis.terminate()
    private_redis.wait(timeout=10)

    # The same session, now from the database.
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert client_user.full_name in response.content.decode()
    # Signing out deletes the session even though its cached copy can't be deleted.
    assert client.post(reverse("account_logout")).status_code == 302
    assert client.get(reverse("home")).wsgi_request.user.is_anonymous
    # And signing in again makes a new session, in the database only.
    _sign_in(client, client_user)
    response = client.get(reverse("booking:appointments"))
    assert response.status_code == 200
    assert response.wsgi_request.user == client_user


def test_the_session_cache_keeps_one_redis_client(session_cache):
    cache = caches["sessions"]
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    cache.set("probe", {"a": 1}, 10)
    assert cache.get("probe") == {"a": 1}
