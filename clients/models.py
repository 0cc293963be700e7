from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError("%(value)s is not a known time zone.", params={"value": value})


def default_time_zone() -> str:
    return settings.PRACTICE_TIME_ZONE


class Role(models.TextChoices):
    CLIENT = "client", "Client"
    CLINICIAN = "clinician", "Clinician"
    ADMIN = "admin", "Practice admin"


STAFF_ROLES = frozenset({Role.CLINICIAN, Role.ADMIN})


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(role=Role.ADMIN, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: client, clinician or practice admin. The email is the login."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150)
    time_zone = models.CharField(max_length=64, default=default_time_zone,
                                 validators=[validate_time_zone])
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CLIENT)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_staff(self) -> bool:
        """Django admin access follows the role: practice admins only. Clinicians work in the
        portal's own pages, which show them only their assigned clients."""
        return self.role == Role.ADMIN

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT

    @property
    def is_clinician(self) -> bool:
        return self.role == Role.CLINICIAN

    @property
    def is_practice_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_staff_member(self) -> bool:
        """Clinicians and admins: they see client records, so they must use MFA."""
        return self.role in STAFF_ROLES

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class ServiceLines(models.TextChoices):
    THERAPY = "therapy", "Therapy"
    COACHING = "coaching", "Coaching"
    BOTH = "both", "Therapy and coaching"


class ClientStatus(models.TextChoices):
    PROSPECTIVE = "prospective", "Prospective"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    DISCHARGED = "discharged", "Discharged"
    CLOSED = "closed", "Closed"


class ClientProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="client_profile")
    # Blank until the client signs a consent or the practice assigns a line.
    service_lines = models.CharField(max_length=16, choices=ServiceLines.choices, blank=True)
    status = models.CharField(max_length=16, choices=ClientStatus.choices,
                              default=ClientStatus.PROSPECTIVE)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="assigned_clients", limit_choices_to={"role": Role.CLINICIAN},
        help_text="The clinician who sees this client's records.",
    )
    discreet_mode = models.BooleanField(
        default=False,
        help_text="Neutral sender name and calendar titles in everything sent to this client.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["clinician", "status"])]

    def __str__(self) -> str:
        return f"Client profile of {self.user}"

    def clean(self) -> None:
        if self.user_id and self.user.role != Role.CLIENT:
            raise ValidationError("Only client accounts have a client profile.")
        if self.clinician_id and self.clinician.role != Role.CLINICIAN:
            raise ValidationError({"clinician": "Choose a clinician account."})

    @property
    def has_therapy(self) -> bool:
        return self.service_lines in (ServiceLines.THERAPY, ServiceLines.BOTH)

    @property
    def has_coaching(self) -> bool:
        return self.service_lines in (ServiceLines.COACHING, ServiceLines.BOTH)


class ClinicianProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="clinician_profile")
    display_name = models.CharField(max_length=150)
    time_zone = models.CharField(max_length=64, default=default_time_zone,
                                 validators=[validate_time_zone],
                                 help_text="Availability is defined in this zone.")
    credentials = models.CharField(max_length=200, blank=True,
                                   help_text='For example "PhD, Licensed Psychologist, ICF PCC".')

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        if self.user_id and self.user.role != Role.CLINICIAN:
            raise ValidationError("Only clinician accounts have a clinician profile.")
