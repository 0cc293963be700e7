"""The session engine: Django's database sessions, read with their user in one query.

Every signed-in request reads its session row and its user row before anything else. Here the
session lives in ``clients.WebSession``, which keeps the signed-in user's id beside the data,
and the per-request read is one query, compiled once per process (portal.lib.prepared): the
session row joined to its user row (issue 15). The authentication backends
(clients.auth_backends) take that user when it is the one the session's data names, and read it
on its own otherwise, as Django does. Writes, expiry and ``clearsessions`` are Django's own.

The sessions stay in PostgreSQL, the one place that decides: nothing a Redis outage could leave
stale (a session signed out while Redis was down coming back with it), which is why the portal
does not use ``cached_db``.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import router
from django.utils import timezone

from clients.models import WebSession
from portal.lib.prepared import PreparedRead

if TYPE_CHECKING:
    from clients.models import User

_READ = PreparedRead(WebSession, [("session_key", "sample"), ("expire_date__gt", timezone.now())],
                     select_related=["user"])
# The session of the request being handled (SessionMiddleware below), for the backends.
_request_session: ContextVar[SessionStore | None] = ContextVar("request_session", default=None)


def user_id_of(value: Any) -> int | None:
    """A user id as the session's data holds it (a string), as an int; None if it is none."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class SessionStore(db.SessionStore):
    # (the session key it was read under, the user row read with it)
    _read_with: tuple[str, User | None] | None = None

    @classmethod
    def get_model_class(cls):
        return WebSession

    def create_model_instance(self, data: dict[str, Any]) -> WebSession:
        instance = cast(WebSession, super().create_model_instance(data))
        instance.user_id = user_id_of(data.get(SESSION_KEY))
        return instance

    def load(self) -> dict:
        self._read_with = None
        session = None
        if self.session_key is not None:
            session = _READ.get(self.session_key, timezone.now(),
                                using=router.db_for_read(WebSession))
        if session is None:
            self._session_key = None
            return {}
        self._read_with = (session.session_key, session.user)  # type: ignore[attr-defined]
        return self.decode(session.session_data)  # type: ignore[attr-defined]

    def user_read_with(self, user_id: Any) -> User | None:
        """The user row read with this session's row, if it is the user ``user_id`` names and
        the session still has the key it was read under; otherwise None."""
        if self._read_with is None:
            return None
        key, user = self._read_with
        if user is None or key != self.session_key or user.pk != user_id_of(user_id):
            return None
        return user


def user_read_with_request_session(user_id: Any) -> User | None:
    """The user read with the current request's session row (SessionStore.user_read_with), or
    None outside a request or when there is none."""
    session = _request_session.get()
    return session.user_read_with(user_id) if isinstance(session, SessionStore) else None


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, which also makes the request's session known to the authentication backends
    for the length of the request."""

    async_capable = False

    def __call__(self, request):
        token = _request_session.set(None)
        try:
            return super().__call__(request)
        finally:
            _request_session.reset(token)

    def process_request(self, request) -> None:
        super().process_request(request)
        _request_session.set(request.session)
