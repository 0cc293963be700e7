from django.urls import path

import portal.lib.urlcodes  # noqa: F401  (registers "obscured": no service-line word in a URL)
from goals import views

app_name = "goals"

# Mounted at the root by portal/urls.py: the client's pages live under goals/, the clinician's
# under clinician/.
urlpatterns = [
    path("goals/", views.goals, name="goals"),
    path("goals/progress/", views.progress, name="progress"),
    path("goals/new/<obscured:line>/", views.goal_new, name="goal_new"),
    path("goals/check-in/", views.check_in, name="check_in"),
    path("goals/reminders/", views.reminders, name="reminders"),
    path("goals/<uuid:goal_id>/", views.goal_detail, name="goal"),
    path("goals/<uuid:goal_id>/edit/", views.goal_edit, name="goal_edit"),
    path("goals/<uuid:goal_id>/check-in/", views.check_in, name="goal_check_in"),
    path("goals/<uuid:goal_id>/status/", views.goal_status, name="goal_status"),
    path("goals/<uuid:goal_id>/steps/", views.step_add, name="step_add"),
    path("goals/<uuid:goal_id>/steps/done/", views.step_done, name="step_done"),
    path("clinician/clients/<uuid:client_id>/goals/", views.clinician_goals,
         name="clinician_goals"),
    path("clinician/clients/<uuid:client_id>/goals/new/<obscured:line>/", views.clinician_goal_new,
         name="clinician_goal_new"),
    path("clinician/goals/<uuid:goal_id>/", views.clinician_goal, name="clinician_goal"),
    path("clinician/goals/<uuid:goal_id>/approve/", views.clinician_goal_approve,
         name="clinician_goal_approve"),
]
