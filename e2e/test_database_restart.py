"""PostgreSQL ending every connection (a restart, a failover, an idle timeout) costs the people
using the portal nothing: gunicorn's workers notice before a request's first query and connect
again (portal/postgres/base.py asks the socket; Django's SELECT 1 confirms). Real gunicorn, real
PostgreSQL, the connections really terminated."""

from __future__ import annotations

import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis, pytest.mark.e2e,
              pytest.mark.django_db(transaction=True)]

GUNICORN_WORKERS = 2  # e2e/conftest.py's portal


def _get(url: str, cookie: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def _many(url: str, cookie: str, count: int) -> list[tuple[int, str]]:
    """``count`` requests, several at once, so that every gunicorn worker answers some."""
    with ThreadPoolExecutor(max_workers=GUNICORN_WORKERS * 2) as pool:
        return list(pool.map(lambda _: _get(url, cookie), range(count)))


def _gunicorns(admin: psycopg.Connection, portal) -> list[int]:
    """gunicorn's connections to this database (named by the portal fixture's PGAPPNAME): not
    the test process's own, which a journey's browser context may still hold."""
    rows = admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                         "AND application_name = %s", [portal.application_name]).fetchall()
    return [pid for (pid,) in rows]


def test_signed_in_pages_answer_after_postgresql_ended_every_connection(portal, client_user):
    browser = Client()
    browser.force_login(client_user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    home = portal.url("/")
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as admin:
        # Every worker answers and keeps its connection (CONN_MAX_AGE).
        deadline = time.monotonic() + 30
        while len(_gunicorns(admin, portal)) < GUNICORN_WORKERS:
            assert time.monotonic() < deadline, "gunicorn's workers keep no connections"
            assert all(status == 200 for status, _ in _many(home, cookie, 20))
        ended = _gunicorns(admin, portal)
        for pid in ended:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 10
        while set(_gunicorns(admin, portal)) & set(ended):
            assert time.monotonic() < deadline, "the connections did not end"
            time.sleep(0.05)
    answers = _many(home, cookie, 40)
    assert [status for status, _ in answers] == [200] * 40, portal.log_path.read_text()[-3000:]
    assert all(client_user.full_name.split()[0] in body for _, body in answers)
