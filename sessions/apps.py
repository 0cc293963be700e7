from django.apps import AppConfig


class BookingConfig(AppConfig):
    # "sessions" is django.contrib.sessions' label; this app is "booking" in migrations, admin
    # URLs, permissions, the URL namespace and its template folder.
    name = "sessions"
    label = "booking"
    verbose_name = "Booking"
