from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from clients import account_urls, security_views
from clients.admin_access import autocomplete_logged
from portal import health
from workspace import account_urls as record_urls

# Django admin signs in through allauth, so the same MFA stage and rate limits apply there.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
# The autocomplete lists people by name: a staff read of each client listed (rule 8).
admin.site.autocomplete_view = autocomplete_logged(  # type: ignore[method-assign]
    admin.site.autocomplete_view)
admin.site.site_header = "Tandem practice admin"
admin.site.site_title = "Tandem admin"

urlpatterns = [
    path("", include("workspace.urls")),
    path("consent/", include("clients.urls")),
    # The client's rights: the account pages of clients/ and the record download, which
    # composes every app (workspace/), under one namespace.
    path("account/", include((account_urls.urlpatterns + record_urls.urlpatterns,
                              "account_rights"))),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("staff/messages/review/", include("workspace.review_urls")),
    path("", include("screening.urls")),
    path("clinician/clients/", include("workspace.caseload_urls")),
    path("", include("sessions.urls")),
    path("", include("goals.urls")),
    path("", include("messaging.urls")),
    path("", include("documents.urls")),
    path("signed-out/", security_views.signed_out, name="signed_out"),
    path("accounts/sign-ins/", security_views.sign_ins, name="account_sign_ins"),
    path("accounts/sign-ins/sign-out-everywhere/", security_views.sign_out_everywhere,
         name="account_sign_out_everywhere"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
