from django.urls import path

from clients import account_views

app_name = "account_rights"

urlpatterns = [
    path("contact/", account_views.contact_page, name="contact"),
    path("record/", account_views.record_download, name="record"),
    path("close/", account_views.account_close_page, name="close"),
    path("access/", account_views.access_log_page, name="access"),
]
