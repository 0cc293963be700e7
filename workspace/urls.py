from django.urls import path

from workspace import views

urlpatterns = [
    path("", views.home, name="home"),
    path("clinician/attention/ack/", views.attention_ack, name="attention_ack"),
]
