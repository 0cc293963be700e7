# The model now lives in the workspace app (workspace/migrations/0001_initial.py), which keeps
# its table: the portal forgets it in migration state only.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0001_attention_acknowledgement"),
        ("workspace", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AttentionAcknowledgement")],
            database_operations=[],
        ),
    ]
