from django.urls import path

import portal.lib.urlcodes  # noqa: F401  (registers "obscured": no service-line word in a URL)
from messaging import views

app_name = "messaging"

urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("messages/<obscured:line>/", views.thread, name="thread"),
    path("clinician/messages/", views.clinician_inbox, name="clinician_inbox"),
    path("clinician/clients/<uuid:client_id>/messages/<obscured:line>/",
         views.clinician_thread, name="clinician_thread"),
]
