from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        # The admin registry is complete here: django.contrib.admin's ready() ran first.
        from django.contrib import admin

        from portal.lib.admin import admin_site_harden

        admin_site_harden(admin.site)
