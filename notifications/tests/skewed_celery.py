"""`python skewed_celery.py OFFSET celery-args...`: run celery with this process's clock moved by
OFFSET seconds (time_machine, ticking), as on a machine whose clock is off. The fault tests use
it for workers 5 minutes ahead and behind; PostgreSQL's clock is untouched."""

import sys
from datetime import UTC, datetime, timedelta

import time_machine

if __name__ == "__main__":
    offset = float(sys.argv[1])
    time_machine.travel(datetime.now(UTC) + timedelta(seconds=offset), tick=True).start()
    from celery.__main__ import main

    sys.argv = ["celery", *sys.argv[2:]]
    sys.exit(main())
