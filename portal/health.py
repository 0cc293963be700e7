"""GET /healthz: does the portal reach its database and its task broker?

For a load balancer or an uptime monitor. It names the part that failed and never its error
text, which may carry host names or credentials.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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
            folder = Path(conn.transport_options["data_folder_out"])
            if not (folder.is_dir() and os.access(folder, os.W_OK)):
                raise OSError(f"broker folder {folder} is not writable")


CHECKS = {"database": check_database, "broker": check_broker}


@never_cache
@require_GET
def healthz(request):
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:  # any failure of the part is the answer we report
            logger.exception("health check %s failed", name)
            results[name] = "error"
        else:
            results[name] = "ok"
    failed = [name for name, result in results.items() if result != "ok"]
    body = {"status": "error" if failed else "ok", "checks": results}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)
