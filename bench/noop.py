"""The no-op task of the fan-out comparison: the same worker's rate with nothing to do.

It only counts itself in Redis (one INCR), so the bench knows when the queue has drained. Workers
load it with ``celery worker --include bench.noop``; the portal never does.
"""

from __future__ import annotations

import redis
from celery import shared_task
from django.conf import settings

COUNTER_KEY = "tandem-bench:noop-done"
_redis: redis.Redis | None = None


@shared_task(name="bench.noop", ignore_result=True)
def noop() -> None:
    global _redis
    if _redis is None:
        _redis = redis.Redis.from_url(settings.REDIS_URL)
    _redis.incr(COUNTER_KEY)
