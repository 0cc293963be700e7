# The needs-attention acknowledgements move here from the portal app with their table: the model
# is created in migration state only (the table portal_attentionacknowledgement stays as it is),
# and its content type follows so admin history and permissions keep pointing at it.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="portal", model="attentionacknowledgement").update(
        app_label="workspace")


def content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="workspace", model="attentionacknowledgement").update(
        app_label="portal")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("portal", "0001_attention_acknowledgement"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AttentionAcknowledgement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('rule', models.CharField(max_length=32)),
                        ('fingerprint', models.CharField(max_length=100)),
                        ('note', models.TextField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('client', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('clinician', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attention_acknowledgements', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'portal_attentionacknowledgement',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['clinician', 'client', 'rule'], name='attention_ack_lookup_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('note', ''), _negated=True), name='attention_ack_has_note')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_follow, content_type_back),
    ]
