"""The portal's URLs with the limit references in front (bench only: see bench/settings.py)."""

from django.urls import path

from bench import views
from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    path("bench/minimal/", views.minimal, name="bench_minimal"),
    path("bench/one-query/", views.one_query, name="bench_one_query"),
    *portal_urlpatterns,
]
