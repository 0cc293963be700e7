from __future__ import annotations

from typing import cast

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from clients.http import AuthenticatedRequest
from clients.models import (
    AccessLog,
    AccountClosureRequest,
    ClientProfile,
    ClinicianNote,
    ClinicianProfile,
    ConsentDocument,
    ConsentSignature,
    Role,
    SignInEvent,
    User,
)
from clients.selectors import clinician_notes_decrypt
from clients.services import (
    account_close,
    consent_document_new_draft,
    consent_document_publish,
    profile_ensure,
    sessions_end_everywhere,
)
from portal.lib.admin import AccessLoggedAdmin, ReadOnlyAdmin


class TandemUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "role", "time_zone")


class TandemUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class ClientProfileInline(admin.StackedInline):
    model = ClientProfile
    fk_name = "user"
    can_delete = False
    autocomplete_fields = ["clinician"]
    extra = 0


class ClinicianProfileInline(admin.StackedInline):
    model = ClinicianProfile
    can_delete = False
    extra = 0


@admin.register(User)
class UserAdmin(AccessLoggedAdmin, DjangoUserAdmin):
    """workspace/admin.py adds the record export to this page."""

    actions = ["sign_out_everywhere"]

    form = TandemUserChangeForm
    add_form = TandemUserCreationForm
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "is_active", "date_joined", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "full_name"]
    date_hierarchy = "date_joined"
    readonly_fields = ["date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "time_zone", "role"]}),
        ("Access", {"fields": ["is_active", "is_superuser", "groups",
                               "user_permissions"]}),
        ("Dates", {"fields": ["date_joined", "last_login"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"],
                "fields": ["email", "full_name", "role", "time_zone", "password1", "password2"]}),
    ]

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        if obj.is_client:
            return [ClientProfileInline]
        if obj.is_clinician:
            return [ClinicianProfileInline]
        return []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        profile_ensure(user=obj)

    @admin.action(description="Sign out everywhere (every device)")
    def sign_out_everywhere(self, request: AuthenticatedRequest, queryset: QuerySet[User]) -> None:
        people = list(queryset)
        for person in people:
            sessions_end_everywhere(user=person, by=request.user, request=request)
        self.message_user(request, f"Signed out {len(people)} account(s) on every device.",
                          messages.SUCCESS)


@admin.register(SignInEvent)
class SignInEventAdmin(ReadOnlyAdmin):
    """Sign-ins, failed sign-ins and two-factor events of every account (issue 13): the same
    rows each person sees on "Your sign-ins". Append-only, kept with the access log."""

    list_display = ["at", "kind", "user", "login", "method", "ip_address", "device"]
    list_filter = ["kind"]
    search_fields = ["user__email", "user__full_name", "login", "ip_address"]
    list_select_related = ["user"]
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(ClientProfile)
class ClientProfileAdmin(AccessLoggedAdmin):
    """workspace/admin.py adds the record export to this page."""

    list_display = ["user", "service_lines", "status", "clinician", "discreet_mode", "created_at"]
    list_filter = ["service_lines", "status", "discreet_mode"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user", "clinician"]
    autocomplete_fields = ["user", "clinician"]
    date_hierarchy = "created_at"


@admin.register(ClinicianProfile)
class ClinicianProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "service_lines", "time_zone", "credentials"]
    list_filter = ["service_lines"]
    search_fields = ["display_name", "user__email", "user__full_name"]
    list_select_related = ["user"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A clinician's profile belongs to a clinician: the choice lists no client by name.
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(role=Role.CLINICIAN)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(admin.ModelAdmin):
    """Drafts are edited here; a published version is view-only, because signatures point at
    it. To change a published text, copy it as a new draft, edit, publish."""

    list_display = ["kind", "version", "title", "published_at", "signature_count"]
    list_filter = ["kind", ("published_at", admin.EmptyFieldListFilter)]
    search_fields = ["title"]
    ordering = ["kind", "-version"]
    readonly_fields = ["published_at", "created_at"]
    actions = ["publish", "copy_as_new_draft"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_signatures=Count("signatures"))

    @admin.display(description="signatures", ordering="_signatures")
    def signature_count(self, obj: ConsentDocument) -> int:
        return obj._signatures  # type: ignore[attr-defined]  # annotated by get_queryset

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # Bulk delete would reach published versions; drafts are deleted from their own page.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Publish the selected drafts", permissions=["change"])
    def publish(self, request, queryset) -> None:
        for document in queryset.order_by("kind", "version"):
            try:
                consent_document_publish(document=document)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, f"Published {document}. Clients who signed an "
                                           f"earlier version are asked to sign it on their "
                                           f"home page and before they book.",
                                  messages.SUCCESS)

    @admin.action(description="Copy as a new draft version", permissions=["add"])
    def copy_as_new_draft(self, request, queryset) -> None:
        for document in queryset.order_by("kind", "version"):
            draft = consent_document_new_draft(document=document)
            self.message_user(request, f"Created {draft} from {document}.", messages.SUCCESS)


@admin.register(ConsentSignature)
class ConsentSignatureAdmin(AccessLoggedAdmin):
    """The signature history: readable, never added, changed or deleted here."""

    list_display = ["client", "document", "typed_name", "signed_at", "ip_address"]
    list_filter = ["document__kind"]
    search_fields = ["client__email", "client__full_name", "typed_name"]
    list_select_related = ["client", "document"]
    date_hierarchy = "signed_at"
    fields = readonly_fields = ("public_id", "client", "document", "typed_name", "understood",
                                "signed_at", "ip_address", "user_agent", "text_sha256",
                                "text_matches")

    @admin.display(boolean=True, description="document text unchanged")
    def text_matches(self, obj: ConsentSignature) -> bool:
        return obj.text_matches

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("client", "document")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AccountClosureRequest)
class AccountClosureRequestAdmin(admin.ModelAdmin):
    """Clients' requests to close their account. Read-only: the one thing done here is closing
    the selected accounts, through clients.services.account_close (which keeps the record)."""

    list_display = ["client", "requested_at", "status", "closed_at", "closed_by"]
    list_filter = ["status"]
    search_fields = ["client__email", "client__full_name"]
    list_select_related = ["client", "closed_by"]
    date_hierarchy = "requested_at"
    fields = readonly_fields = ("client", "requested_at", "reason", "status", "closed_at",
                                "closed_by", "withdrawn_at")
    actions = ["close_accounts"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_close_permission(self, request) -> bool:
        return request.user.is_practice_admin

    @admin.action(description="Close the selected accounts", permissions=["close"])
    def close_accounts(self, request, queryset) -> None:
        for closure in queryset.select_related("client").order_by("requested_at", "pk"):
            try:
                account_close(request=closure, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{closure.client}: {' '.join(error.messages)}",
                                  messages.WARNING)
            else:
                self.message_user(request, f"Closed the account of {closure.client}. They can "
                                           f"no longer sign in; their record is kept.",
                                  messages.SUCCESS)


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    """Who read which client's record: append-only, never edited (rule 8)."""

    list_display = ["at", "by", "client", "what", "detail", "ip_address"]
    list_filter = ["what"]
    search_fields = ["client__email", "client__full_name", "by__email"]
    list_select_related = ["by", "client"]
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(ClinicianNote)
class ClinicianNoteAdmin(AccessLoggedAdmin, ReadOnlyAdmin):
    """Clinicians' private notes: the practice admin may read one (each view is logged as a read
    of a clinician note, rule 8) but never adds, edits or deletes them. The ciphertext column is
    never shown, listed or searched; the page shows the decrypted text."""

    access_log_what = AccessLog.What.NOTE

    list_display = ["client", "author", "created_at"]
    list_filter = [("author", admin.RelatedOnlyFieldListFilter), "created_at"]
    search_fields = ["client__email", "client__full_name"]
    list_select_related = ["client", "author"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    fields = ["public_id", "client", "author", "created_at", "text"]
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        # Not ReadOnlyAdmin's "every model field": that list would name the ciphertext column.
        return cast("list[str]", list(self.fields))

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClinicianNote]:
        return super().get_queryset(request).select_related("client", "author")

    @admin.display(description="note")
    def text(self, obj: ClinicianNote) -> str:
        [note] = clinician_notes_decrypt([obj])
        if not note.readable:
            return "This note cannot be read with the key configured now (TANDEM_NOTES_KEY)."
        return note.text
