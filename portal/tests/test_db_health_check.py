"""The health check of kept PostgreSQL connections (portal/postgres/base.py): no round trip
while the connection is in good order, and a connection the server ended is replaced before a
request's first query, as Django's own check does."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connection

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]


def _admin() -> psycopg.Connection:
    """A second connection to the same database, to watch and to end the first."""
    return psycopg.connect(**connection.get_connection_params(), autocommit=True)


def _last_statement(pid: int) -> str:
    with _admin() as admin:
        row = admin.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
    assert row is not None
    return row[0]


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _next_request() -> None:
    """What Django does between two requests on a kept connection (close_old_connections)."""
    connection.close_if_unusable_or_obsolete()


def test_a_connection_in_good_order_is_not_sent_select_1():
    assert connection.health_check_enabled and connection.settings_dict["CONN_MAX_AGE"] > 0
    pid = _backend_pid()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'the last statement before the check'")
    _next_request()
    connection.close_if_health_check_failed()  # what the request's first query does first
    assert connection.health_check_done
    assert _last_statement(pid) == "SELECT 'the last statement before the check'"
    assert _backend_pid() == pid


def test_a_connection_the_server_ended_is_replaced_before_the_first_query():
    pid = _backend_pid()
    with _admin() as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, "the backend did not end"
            time.sleep(0.05)
    _next_request()
    assert _backend_pid() != pid  # a new connection, and no error for the request
