from django.urls import path

from workspace import review_views as views

# The outbox's review page keeps the URL names it had in the notifications app.
app_name = "notifications"

urlpatterns = [
    path("", views.review_list, name="review"),
    path("<str:token>/resend/", views.review_resend, name="review_resend"),
    path("<str:token>/close/", views.review_close, name="review_close"),
]
