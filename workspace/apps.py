from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """What composes the apps: the home pages and the clinician's dashboard, the caseload, a
    client's timeline, the record export, and the outbox's cause checks."""

    name = "workspace"
    verbose_name = "Workspace"

    def ready(self) -> None:
        from workspace import attention_cache, outbox_causes

        outbox_causes.register()
        attention_cache.connect()
