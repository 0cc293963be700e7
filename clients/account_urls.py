"""The client's rights over their account. portal/urls.py names them "account_rights", with the
record download of workspace/account_urls.py."""

from django.urls import path

from clients import account_views

urlpatterns = [
    path("contact/", account_views.contact_page, name="contact"),
    path("close/", account_views.account_close_page, name="close"),
    path("access/", account_views.access_log_page, name="access"),
]
