from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Secure messages"

    def ready(self) -> None:
        from messaging import unread  # noqa: F401  (warms the header's count at sign-in)
