from django.urls import path

import portal.lib.urlcodes  # noqa: F401  (registers the "obscured" converter)
from screening import outcome_views, views

app_name = "screening"

# Mounted at the root by portal/urls.py: the client's pages live under screening/, the
# clinician's under clinician/. The instrument in a path is an opaque code (portal.lib.urlcodes):
# /screening/step/phq9/ in a browser's history would say what the person answered.
urlpatterns = [
    path("screening/", views.start, name="start"),
    path("screening/step/<obscured:instrument>/", views.step, name="step"),
    path("screening/help-now/", views.crisis, name="crisis"),
    path("screening/help-now/questions/", views.safety_followup, name="safety_followup"),
    path("screening/results/", views.results, name="results"),
    path("screening/retake/<obscured:instrument>/", views.retake, name="retake"),
    path("screening/responses/<uuid:response_id>/", views.response_detail, name="response"),
    path("clinician/clients/<uuid:client_id>/screening/", views.client_history,
         name="client_history"),
    path("clinician/clients/<uuid:client_id>/screening/route/<uuid:recommendation_id>/override/",
         views.route_override, name="route_override"),
    path("clinician/clients/<uuid:client_id>/outcomes/", outcome_views.client_outcomes,
         name="client_outcomes"),
    path("clinician/clients/<uuid:client_id>/outcomes/events/", outcome_views.measure_event_add,
         name="measure_event_add"),
    path("clinician/clients/<uuid:client_id>/outcomes/share/", outcome_views.measure_share,
         name="measure_share"),
    path("staff/outcomes/", outcome_views.outcomes_report, name="outcomes_report"),
    path("clinician/flags/", views.risk_flags, name="risk_flags"),
    path("clinician/flags/<uuid:flag_id>/", views.risk_flag, name="risk_flag"),
]
