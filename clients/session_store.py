"""The session engine: Django's database sessions, with the per-request read prepared once.

Django's ``db`` backend reads the session row through the ORM on every request. Here that read
is the same query compiled once per process (portal.lib.prepared), which takes the session's
share of a signed-in page's cost down by about two thirds (issue 15). Writes, expiry and
``clearsessions`` are Django's own. The sessions stay in PostgreSQL, the one place that decides:
nothing a Redis outage could leave stale (a session signed out while Redis was down coming back
with it), which is why the portal does not use ``cached_db``.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import router
from django.utils import timezone

from portal.lib.prepared import PreparedRead

_READ = PreparedRead(Session, [("session_key", "sample"), ("expire_date__gt", timezone.now())])


class SessionStore(db.SessionStore):
    def load(self) -> dict:
        session = None
        if self.session_key is not None:
            session = _READ.get(self.session_key, timezone.now(),
                                using=router.db_for_read(Session))
        if session is None:
            self._session_key = None
            return {}
        return self.decode(session.session_data)  # type: ignore[attr-defined]
