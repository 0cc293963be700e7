"""Rule 4: a clinician is never in two sessions at once, buffers included, whatever the
concurrency. On PostgreSQL an exclusion constraint (btree_gist for the equality on the
clinician) makes an overlapping row impossible; SQLite has no such constraint, and there the
booking service rechecks inside an IMMEDIATE transaction instead (sessions/services.py).

Creating the extension needs a role allowed to (a superuser, or the database owner on
PostgreSQL 13+ for this trusted extension).
"""

from django.db import migrations

CONSTRAINT = "booking_appointment_no_overlap"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE booking_appointment ADD CONSTRAINT {CONSTRAINT} "
        "EXCLUDE USING gist (clinician_id WITH =, "
        "tstzrange(block_start, block_end, '[)') WITH &&) "
        "WHERE (status IN ('booked', 'completed', 'no_show'))"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE booking_appointment DROP CONSTRAINT {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]
    operations = [migrations.RunPython(add_constraint, drop_constraint)]
