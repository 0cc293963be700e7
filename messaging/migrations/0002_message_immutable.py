"""Messages cannot be changed or deleted after sending, by the database too on PostgreSQL: a
trigger refuses UPDATE and DELETE on the table (Message.save/delete refuse it in Python, but a
queryset .update() or a shell would not ask them)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION messaging_message_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'messages cannot be changed or deleted after sending';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER messaging_message_immutable
    BEFORE UPDATE OR DELETE ON messaging_message
    FOR EACH ROW EXECUTE FUNCTION messaging_message_immutable();
"""
DROP = """
DROP TRIGGER IF EXISTS messaging_message_immutable ON messaging_message;
DROP FUNCTION IF EXISTS messaging_message_immutable();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
