from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.review_list, name="review"),
    path("<str:token>/resend/", views.review_resend, name="review_resend"),
    path("<str:token>/close/", views.review_close, name="review_close"),
]
