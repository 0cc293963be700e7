"""Liveness and readiness, for a load balancer and for monitoring.

- ``GET /healthz`` (liveness): 200 while the process answers, with every check in the body.
  ``status`` is ``ok``, or ``degraded`` with the parts named in ``degraded``: the broker (Redis
  down delays emails, pages work), the sweep (beat or the workers stopped: nothing is being
  sent), the database. Monitoring alerts on ``degraded``; a load balancer never pulls the web
  tier for it.
- ``GET /readyz`` (readiness): 503 only when this process cannot serve pages, i.e. the database
  is unreachable. A broker outage leaves it 200, because pages, sign-in included, work without
  Redis (portal.lib.cache).

Both name the part that failed and never its error text, which may carry host names or
credentials.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from notifications.selectors import sweep_last_finished
from portal.celery import app as celery_app

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 3


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS)
        channel = conn.default_channel
        if hasattr(channel, "client"):  # Redis: a PING is real I/O, not just a socket object
            channel.client.ping()
        else:  # the folder transport of development
            folder = Path((conn.transport_options or {})["data_folder_out"])
            if not (folder.is_dir() and os.access(folder, os.W_OK)):
                raise OSError(f"broker folder {folder} is not writable")


class SweepStale(Exception):
    pass


def check_sweep() -> dict[str, str | int | None]:
    """The outbox sweep finished recently (by the database clock), or it is a failed check."""
    last, now = sweep_last_finished()
    age = None if last is None else int((now - last).total_seconds())
    detail = {"last_finished_at": _iso(last), "age_seconds": age}
    if age is None or age > settings.OUTBOX_SWEEP_STALE_AFTER:
        raise SweepStale(detail)
    return detail


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


CHECKS = {"database": check_database, "broker": check_broker, "sweep": check_sweep}
READINESS = ("database",)


def run_checks() -> tuple[dict[str, str], dict[str, object]]:
    results: dict[str, str] = {}
    details: dict[str, object] = {}
    for name, check in CHECKS.items():
        try:
            detail = check()
        except SweepStale as stale:
            results[name] = "stale"
            details[name] = stale.args[0]
        except Exception:  # any failure of the part is the answer we report
            logger.exception("health check %s failed", name)
            results[name] = "error"
        else:
            results[name] = "ok"
            if detail:
                details[name] = detail
    return results, details


def _body(results: dict[str, str], details: dict[str, object], *, failed: list[str]) -> dict:
    degraded = [name for name, result in results.items() if result != "ok"]
    body: dict[str, object] = {"status": "degraded" if degraded else "ok", "checks": results,
                               "detail": details}
    if degraded:
        body["degraded"] = degraded
    if failed:
        body["failed"] = failed
    return body


@never_cache
@require_GET
def healthz(request):
    """Liveness: 200 whenever the process answers; the body says what is degraded."""
    results, details = run_checks()
    return JsonResponse(_body(results, details, failed=[]), status=200)


@never_cache
@require_GET
def readyz(request):
    """Readiness: 503 when this process cannot serve pages (its database is unreachable)."""
    results, details = run_checks()
    failed = [name for name in READINESS if results.get(name) != "ok"]
    return JsonResponse(_body(results, details, failed=failed), status=503 if failed else 200)
