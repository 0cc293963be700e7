"""Django's PostgreSQL backend, with a health check that costs no round trip while the server
has said nothing (issue 15).

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` on a kept connection before the first
query of every request: on a signed-in page that reads only its session (with its user), half
of its round trips. A server that ends a connection (a restart, ``pg_terminate_backend``, an
idle timeout) sends its reason and closes the socket, which makes the socket readable; a
connection in good order has nothing waiting on it between queries. So the check first asks
the socket, without waiting: only when something is there (or the socket cannot be asked) does
Django's own ``SELECT 1`` run, and a dead connection is closed and opened again before the
request uses it, as before. A peer that vanished without a word (a host lost on the network)
is not seen this way, nor was it by a check made moments before the query.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


def _server_has_spoken(connection) -> bool:
    """True when the socket has something to read, is closed or cannot be asked."""
    try:
        if connection.closed or connection.broken:
            return True
        poll = select.poll()
        poll.register(connection.fileno(), select.POLLIN | select.POLLPRI)
        return bool(poll.poll(0))
    except (OSError, ValueError, AttributeError):
        return True


class DatabaseWrapper(base.DatabaseWrapper):
    # Django's base wrapper sets both; django-stubs does not declare them.
    health_check_enabled: bool
    health_check_done: bool

    def close_if_health_check_failed(self) -> None:
        if (self.connection is not None and self.health_check_enabled
                and not self.health_check_done and not self.pool
                and not _server_has_spoken(self.connection)):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
