from django.urls import path

import portal.lib.urlcodes  # noqa: F401  (registers "obscured": no service-line word in a URL)
from clients import views

app_name = "clients"

urlpatterns = [
    path("", views.consent_overview, name="consent_overview"),
    path("signed/<uuid:public_id>/", views.consent_signed, name="consent_signed"),
    path("<obscured:kind>/", views.consent_sign_page, name="consent_sign"),
]
