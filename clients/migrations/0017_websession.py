"""Sessions move to clients.WebSession (issue 15). The unexpired rows of Django's session table
are copied, so nobody is signed out and no kept draft is lost; their user id is filled in at
their next save (until then the user is read on its own, as before). Then the old rows are
deleted: session data is not kept where nothing reads it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone




def copy_sessions(apps, schema_editor):
    old = apps.get_model("sessions", "Session")
    new = apps.get_model("clients", "WebSession")
    rows = old.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=2000)
    new.objects.bulk_create((new(session_key=row.session_key, session_data=row.session_data,
                                 expire_date=row.expire_date) for row in rows),
                            batch_size=2000)
    old.objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('clients', '0016_merge_20261202_0218'),
        ('sessions', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='WebSession',
            fields=[
                ('session_key', models.CharField(max_length=40, primary_key=True, serialize=False, verbose_name='session key')),
                ('session_data', models.TextField(verbose_name='session data')),
                ('expire_date', models.DateTimeField(db_index=True, verbose_name='expire date')),
                ('user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'session',
                'verbose_name_plural': 'sessions',
                'abstract': False,
            },
        ),
        migrations.RunPython(copy_sessions, migrations.RunPython.noop),
    ]
