from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from clients.models import ClientProfile, ClinicianProfile, User
from clients.services import profile_ensure


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
class UserAdmin(DjangoUserAdmin):
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


@admin.register(ClientProfile)
class ClientProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "service_lines", "status", "clinician", "discreet_mode", "created_at"]
    list_filter = ["service_lines", "status", "discreet_mode"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user", "clinician"]
    autocomplete_fields = ["user", "clinician"]
    date_hierarchy = "created_at"


@admin.register(ClinicianProfile)
class ClinicianProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "time_zone", "credentials"]
    search_fields = ["display_name", "user__email"]
    list_select_related = ["user"]
