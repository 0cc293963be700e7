from django.apps import AppConfig


class BookingConfig(AppConfig):
    # "sessions" is django.contrib.sessions' label; this app is "booking" in migrations, admin
    # URLs, permissions, the URL namespace and its template folder.
    name = "sessions"
    label = "booking"
    verbose_name = "Booking"

    def ready(self) -> None:
        from screening.services import retake_cover_register
        from sessions.measures import retake_covered

        retake_cover_register(check=retake_covered)
