"""Give the rows written before notifications.keys their scope (and check-in reminders their
period), so cancelling an appointment or re-planning a goal finds them. Keys are parsed in the
formats the apps used until now; a row whose key does not parse keeps an empty scope."""

import uuid

from django.db import migrations

BATCH = 2000
APPOINTMENT_MESSAGE_KINDS = ("appointment_confirmed", "appointment_changed",
                             "appointment_cancelled")


def _hex(value: str) -> str | None:
    try:
        return uuid.UUID(value).hex
    except ValueError:
        return None


def scope_for(kind: str, key: str, context: dict) -> tuple[str, dict | None]:
    parts = key.split(":")
    if kind == "appointment_reminder" and parts[0] == "appointment-reminder" and len(parts) > 1:
        ident = _hex(parts[1])
        return (f"appointment:{ident}" if ident else ""), None
    if kind in APPOINTMENT_MESSAGE_KINDS and len(parts) > 1:
        ident = _hex(parts[1])
        return (f"appointment:{ident}" if ident else ""), None
    if kind == "check_in_reminder" and parts[0] == "check-in" and len(parts) >= 3:
        ident = _hex(parts[1])
        if not ident:
            return "", None
        return f"goal:{ident}", {**context, "period": parts[2]}
    if kind == "measures_invitation" and len(parts) >= 3:
        return f"measures:{parts[1]}:{parts[2]}", None
    if kind == "risk_alert" and context.get("flag_id"):
        ident = _hex(str(context["flag_id"]))
        return (f"risk-flag:{ident}" if ident else ""), None
    return "", None


def backfill(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    rows = Notification.objects.filter(scope="").exclude(kind__in=["welcome", "goal_comment",
                                                                   "waitlist_offer"])
    changed = []
    for row in rows.only("pk", "kind", "dedupe_key", "context").iterator(chunk_size=BATCH):
        scope, context = scope_for(row.kind, row.dedupe_key, row.context or {})
        if scope:
            row.scope = scope
            if context is not None:
                row.context = context
            changed.append(row)
        if len(changed) >= BATCH:
            Notification.objects.bulk_update(changed, ["scope", "context"])
            changed = []
    if changed:
        Notification.objects.bulk_update(changed, ["scope", "context"])


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0005_outbox_scope_message_id_heartbeat"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
