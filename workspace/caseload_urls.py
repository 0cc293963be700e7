from django.urls import path

from workspace import caseload_views, timeline_views

app_name = "caseload"

urlpatterns = [
    path("", caseload_views.caseload, name="caseload"),
    path("<uuid:client_id>/", timeline_views.timeline, name="timeline"),
]
