"""The outbox's one clock: the database's.

Whether a row is due, when a hand-off went stale, when a send got stuck and when the sweep last
ran are all decided against PostgreSQL's clock, so a worker whose own clock is minutes off
neither sends early nor sends nothing. SQLite runs on the same machine as the process, so there
the process clock is the database clock.

``settings.OUTBOX_CLOCK = "process"`` reads Python's clock instead: the in-process tests set it,
because time_machine can move Python's clock but not PostgreSQL's. Processes the tests start
(workers, sweeps) read the database's clock, as production does.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone


def outbox_now() -> datetime:
    if getattr(settings, "OUTBOX_CLOCK", "database") == "process" or connection.vendor != \
            "postgresql":
        return timezone.now()
    with connection.cursor() as cursor:
        # statement_timestamp(), not now(): inside a long transaction now() stands still.
        cursor.execute("SELECT statement_timestamp()")
        return cursor.fetchone()[0]
