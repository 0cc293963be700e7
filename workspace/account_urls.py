"""The client's own record download and settings page. They join clients.account_urls under the
"account_rights" namespace in portal/urls.py (account_rights:record, account_rights:settings)."""

from django.urls import path

from workspace import account_views, record_views

urlpatterns = [
    path("record/", record_views.record_download, name="record"),
    path("settings/", account_views.settings_page, name="settings"),
]
