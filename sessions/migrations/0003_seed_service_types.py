from django.db import migrations

SERVICE_TYPES = [
    # code, name, line, kind, minutes, before, after, notice h, horizon d, late h, location,
    # price note, bookable by, order
    ("therapy-consultation", "Therapy consultation", "therapy", "consultation", 20, 0, 10, 12,
     60, 12, "video", "Free", "client", 1),
    ("therapy-intake", "Therapy intake", "therapy", "intake", 60, 0, 15, 24, 60, 24, "office",
     "", "client", 2),
    ("therapy-session", "Therapy session", "therapy", "session", 50, 0, 10, 24, 90, 24,
     "office", "", "client", 3),
    ("coaching-consultation", "Coaching consultation", "coaching", "consultation", 30, 0, 10, 12,
     60, 12, "video", "Free", "client", 1),
    ("coaching-session", "Coaching session", "coaching", "session", 60, 0, 10, 24, 90, 24,
     "video", "", "client", 2),
]


def seed(apps, schema_editor):
    ServiceType = apps.get_model("booking", "ServiceType")
    for (code, name, line, kind, minutes, before, after, notice, horizon, late, location,
         price, bookable_by, order) in SERVICE_TYPES:
        ServiceType.objects.update_or_create(code=code, defaults={
            "name": name, "service_line": line, "kind": kind, "duration_minutes": minutes,
            "buffer_before_minutes": before, "buffer_after_minutes": after,
            "min_notice_hours": notice, "horizon_days": horizon, "late_cancel_hours": late,
            "location": location, "price_note": price, "bookable_by": bookable_by,
            "reminder_hours": [24, 2], "display_order": order,
        })


class Migration(migrations.Migration):
    dependencies = [("booking", "0002_no_double_booking")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
