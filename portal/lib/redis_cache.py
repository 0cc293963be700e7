"""Django's Redis cache with one redis-py client per connection pool instead of one per call.

Django's client builds a new ``redis.Redis`` for every cache operation; with redis-py 8 that
costs more than the round trip itself on a session read (its constructor sets up an event
dispatcher and a table of response callbacks, and checks deprecated arguments by signature).
A ``redis.Redis`` is safe to share between threads (every command takes a connection from the
pool), so one per pool is kept. Used by the sessions' cache only (settings.CACHES["sessions"]).
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _SharedClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write: bool = False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _SharedClient
