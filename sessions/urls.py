from django.urls import path

import portal.lib.urlcodes  # noqa: F401  (registers "obscured": no service-line word in a URL)
from sessions import measures_views, staff_views, views

app_name = "booking"

urlpatterns = [
    # The client's pages (sessions/views.py).
    path("appointments/", views.appointments, name="appointments"),
    path("appointments/book/", views.choose_type, name="choose_type"),
    path("appointments/book/<obscured:code>/", views.pick_time, name="pick_time"),
    path("appointments/book/<obscured:code>/confirm/", views.confirm, name="confirm"),
    path("appointments/waitlist/<obscured:code>/join/", views.waitlist_join, name="waitlist_join"),
    path("appointments/waitlist/<uuid:entry_id>/leave/", views.waitlist_leave,
         name="waitlist_leave"),
    path("appointments/<uuid:appointment_id>/", views.detail, name="detail"),
    path("appointments/measures/<uuid:measures_id>/", measures_views.measures, name="measures"),
    path("appointments/<uuid:appointment_id>/reschedule/", views.reschedule,
         name="reschedule"),
    path("appointments/<uuid:appointment_id>/cancel/", views.cancel, name="cancel"),
    path("appointments/<uuid:appointment_id>/calendar.ics", views.appointment_ics,
         name="appointment_ics"),
    # Private calendar feeds, for clients and clinicians (sessions/views.py).
    path("calendar/", views.calendar_feed_settings, name="calendar_feed_settings"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
    # The clinician's pages (sessions/staff_views.py).
    path("clinician/schedule/", staff_views.week, name="week"),
    path("clinician/clients/<uuid:client_id>/measures-plan/", measures_views.measure_plan,
         name="measure_plan"),
    path("clinician/schedule/availability/", staff_views.availability, name="availability"),
    path("clinician/schedule/exceptions/", staff_views.exceptions, name="exceptions"),
    path("clinician/schedule/book/", staff_views.book_for_client, name="book_for_client"),
    path("clinician/schedule/appointments/<uuid:appointment_id>/",
         staff_views.appointment, name="clinician_appointment"),
]
