from django.urls import path

from clients import staff_views, timeline_views

app_name = "caseload"

urlpatterns = [
    path("", staff_views.caseload, name="caseload"),
    path("<uuid:client_id>/", timeline_views.timeline, name="timeline"),
]
