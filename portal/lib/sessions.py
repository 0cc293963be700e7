"""Sessions in the database, read through a Redis cache of their own, and never failing with it.

Django's ``cached_db`` store keeps every session in the database (the truth) and a copy in the
cache, so a signed-in request reads Redis instead of PostgreSQL. Its reads already survive a
cache error, but a few of its cache calls do not (the copy it writes after a database read, the
"does this key exist?" of a new session, the delete of signing out): with Redis down, signing in
or out would fail. This store makes each of those calls best-effort, so with Redis down every
session is served from the database, a little slower, and nothing else changes.

The cache is the ``sessions`` alias (settings.CACHES), never ``default``: its entries are keyed
by the session key alone (a secret that only its owner's cookie holds), hold nothing but that
session's data, and live at most ``SESSION_CACHE_SECONDS``. That bound matters for one case: a
session deleted while Redis was unreachable (signing out during an outage) keeps its cached copy
if Redis comes back with its data, so the copy can serve that cookie until it expires.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

logger = logging.getLogger(__name__)


class SessionStore(CachedDBStore):
    def load(self) -> dict:
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            logger.warning("session cache unreachable; reading the session from the database")
            data = None
        if data is not None:
            return data
        row = self._get_session_from_db()
        if not row:
            return {}
        data = self.decode(row.session_data)
        self._cache_set(data, self.get_expiry_age(expiry=row.expire_date))
        return data

    def exists(self, session_key: str) -> bool:
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:
            logger.warning("session cache unreachable; checking the database only")
        return super(CachedDBStore, self).exists(session_key)

    def save(self, must_create: bool = False) -> None:
        super(CachedDBStore, self).save(must_create)
        self._cache_set(self._session, self.get_expiry_age())

    def delete(self, session_key: str | None = None) -> None:
        super(CachedDBStore, self).delete(session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception:
            logger.error("session cache unreachable: a deleted session's cached copy may live "
                         "on for up to %s s", settings.SESSION_CACHE_SECONDS)

    def _cache_set(self, data: dict, age: int) -> None:
        try:
            self._cache.set(self.cache_key, data, min(age, settings.SESSION_CACHE_SECONDS))
        except Exception:
            logger.warning("session cache unreachable; the session is kept in the database only")
