"""The client's own record download. It joins clients.account_urls under the "account_rights"
namespace in portal/urls.py, so its URL name stays account_rights:record."""

from django.urls import path

from workspace import record_views

urlpatterns = [
    path("record/", record_views.record_download, name="record"),
]
