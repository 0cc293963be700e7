from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = "Clients and staff"

    def ready(self) -> None:
        from clients import signals  # noqa: F401  (connects the sign-in history receivers)
