from __future__ import annotations

import hashlib
import uuid
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from portal.lib.clock import hour12_for

# Titles a full name may start with, which are no one's first name.
HONORIFICS = frozenset({"dr", "mr", "mrs", "ms", "mx", "miss", "prof", "professor", "rev"})


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
    # How times read for this person (portal.lib.clock): "" follows the time zone's country.
    clock = models.CharField(max_length=2, blank=True, default="", choices=[
        ("", "As usual where my time zone is"), ("12", "12-hour (2:30 PM)"),
        ("24", "24-hour (14:30)")], verbose_name="clock")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # The id in URLs (STYLE.md: public URLs never carry sequential ids).
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # "Sign out everywhere" raises this; a session signed in under an older value is ended on
    # its next request (clients.middleware.SessionPolicyMiddleware).
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

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

    @property
    def hour12(self) -> bool:
        return hour12_for(preference=self.clock, zone_name=self.time_zone)

    def get_short_name(self) -> str:
        return self.greeting_name or self.email

    @property
    def greeting_name(self) -> str:
        """The name an email greets: the first name, past a title ("Dr. Maya Reyes" is
        Maya, never "Dr."); "" when the account has no name."""
        words = self.full_name.split()
        while len(words) > 1 and words[0].rstrip(".").lower() in HONORIFICS:
            words = words[1:]
        return words[0] if words else ""

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


class WebSession(AbstractBaseSession):
    """A browser's session: Django's database session, with the signed-in user's id beside its
    data so that a signed-in request reads its session and its user in one query
    (clients/session_store.py, issue 15). The id is a copy of what the data says, written with
    it whenever the session is saved; the data decides. Deleting a user ends their sessions.
    No database constraint: a session saved for a user deleted meanwhile must not fail."""

    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE,
                             db_constraint=False, related_name="+")

    @classmethod
    def get_session_store_class(cls):
        from clients.session_store import SessionStore

        return SessionStore


# Days as Python numbers them (date.weekday()): goals' cadences and clinicians' hours.
class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class ServiceLine(models.TextChoices):
    """One service line: what an appointment type, a goal or a consent belongs to."""

    THERAPY = "therapy", "Therapy"
    COACHING = "coaching", "Coaching"


class ServiceLines(models.TextChoices):
    """The lines a person works in: one, or both."""

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
    # Optional: how a clinician reaches the client the same day (a risk flag). Never in an
    # email; shown on the flag page to the clinicians who may see the client.
    phone = models.CharField(max_length=32, blank=True,
                             help_text="A number the practice can call the client on.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["clinician", "status"])]

    def __str__(self) -> str:
        return f"Client profile of {self.user}"

    def clean(self) -> None:
        if self.user_id and self.user.role != Role.CLIENT:
            raise ValidationError("Only client accounts have a client profile.")
        clinician = self.clinician if self.clinician_id else None
        if clinician is not None and clinician.role != Role.CLINICIAN:
            raise ValidationError({"clinician": "Choose a clinician account."})

    @property
    def has_therapy(self) -> bool:
        return self.service_lines in (ServiceLines.THERAPY, ServiceLines.BOTH)

    @property
    def has_coaching(self) -> bool:
        return self.service_lines in (ServiceLines.COACHING, ServiceLines.BOTH)

    @property
    def lines(self) -> list[str]:
        """The service lines the client uses, coaching first (the order pages list them in);
        none for a prospective client. The one home of this rule: goals, booking, messages and
        documents all read it."""
        return [line for line, uses in ((ServiceLine.COACHING, self.has_coaching),
                                        (ServiceLine.THERAPY, self.has_therapy)) if uses]

    @property
    def clinician_word(self) -> str:
        """What the client calls the person they work with: "coach" for a coaching-only
        clinician (or, with nobody assigned yet, for a coaching-only client), else "clinician".
        Reads the assigned clinician's profile: select it with the client's profile."""
        if self.clinician is not None:
            try:
                return self.clinician.clinician_profile.role_word
            except ObjectDoesNotExist:
                pass
        return "coach" if self.service_lines == ServiceLines.COACHING else "clinician"


class ClinicianProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="clinician_profile")
    display_name = models.CharField(max_length=150)
    time_zone = models.CharField(max_length=64, default=default_time_zone,
                                 validators=[validate_time_zone],
                                 help_text="Availability is defined in this zone.")
    credentials = models.CharField(max_length=200, blank=True,
                                   help_text='For example "PhD, Licensed Psychologist, ICF PCC".')
    video_url = models.URLField(
        blank=True, help_text="This clinician's own video room for video appointments (else "
                              "the appointment type's). Shown to the client from 15 minutes "
                              "before the start, never in emails or calendar files.")
    # A clinician who only coaches sees no therapy records (the firewall of the goals issue).
    service_lines = models.CharField(max_length=16, choices=ServiceLines.choices,
                                     default=ServiceLines.BOTH)

    def __str__(self) -> str:
        return self.display_name

    @property
    def role_word(self) -> str:
        """In client-facing words: a clinician who provides coaching only is a "coach"."""
        return "coach" if self.service_lines == ServiceLines.COACHING else "clinician"

    def clean(self) -> None:
        if self.user_id and self.user.role != Role.CLINICIAN:
            raise ValidationError("Only clinician accounts have a clinician profile.")

    @property
    def sees_therapy(self) -> bool:
        return self.service_lines in (ServiceLines.THERAPY, ServiceLines.BOTH)


# --- Consent documents and signatures (DESIGN.md rule 2) ------------------------------------


class ConsentKind(models.TextChoices):
    # In the order the client reads them: the privacy notice applies to everyone.
    PRIVACY = "privacy", "Privacy notice"
    THERAPY = "therapy", "Therapy consent"
    COACHING = "coaching", "Coaching agreement"


# The service line a signed document opens for the client.
CONSENT_KIND_SERVICE_LINE: dict[str, str] = {
    ConsentKind.THERAPY: ServiceLines.THERAPY,
    ConsentKind.COACHING: ServiceLines.COACHING,
}


def consent_text_sha256(*, title: str, body: str) -> str:
    """The fingerprint of what a client reads: title and body, as stored."""
    return hashlib.sha256(f"{title}\n\n{body}".encode()).hexdigest()


class ConsentDocument(models.Model):
    """One version of a consent document. Drafts are edited in Django admin; once published its
    text never changes (services.consent_document_publish, and the admin makes it read-only).
    The current document of a kind is the published one with the highest version."""

    kind = models.CharField(max_length=16, choices=ConsentKind.choices)
    version = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    title = models.CharField(max_length=200)
    body = models.TextField(help_text=(
        "Plain text. Separate paragraphs with a blank line. A short first line without a "
        "full stop, followed by more lines, is shown as a heading."
    ))
    changes_summary = models.TextField(
        blank=True, max_length=2000,
        help_text="What changed since the previous version, in plain words. Clients who signed "
                  "an earlier version read it on their home page, the signing page and wherever "
                  "booking waits for the new signature.")
    published_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="Empty while the document is a draft. Publish it with the admin action.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="consent_document_version"),
        ]

    def __str__(self) -> str:
        state = "" if self.is_published else " (draft)"
        return f"{self.get_kind_display()} v{self.version}{state}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def text_sha256(self) -> str:
        return consent_text_sha256(title=self.title, body=self.body)

    def clean(self) -> None:
        super().clean()
        # Browsers send CRLF from a textarea; store one form of the text so its hash is stable.
        self.body = self.body.replace("\r\n", "\n").replace("\r", "\n").strip()
        self.title = " ".join(self.title.split())
        if self.pk:
            stored = (ConsentDocument.objects.filter(pk=self.pk)
                      .values("kind", "version", "title", "body", "changes_summary",
                              "published_at").first())
            if stored and stored["published_at"] is not None and any(
                stored[name] != getattr(self, name)
                for name in ("kind", "version", "title", "body", "changes_summary")
            ):
                raise ValidationError(
                    "This version is published and can no longer change. "
                    "Copy it as a new draft instead."
                )


class ConsentSignature(models.Model):
    """A client's signature of one exact version. Never edited: a new version is signed anew."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # PROTECT: signatures are part of the record; accounts are closed by deactivating them.
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="consent_signatures")
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT,
                                 related_name="signatures")
    text_sha256 = models.CharField(
        "text SHA-256", max_length=64,
        help_text="Fingerprint of the title and body the client signed.",
    )
    typed_name = models.CharField(max_length=150)
    understood = models.BooleanField()
    signed_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["client", "document"],
                                    name="consent_signature_once_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.document} signed by {self.typed_name}"

    @property
    def text_matches(self) -> bool:
        """True while the document's stored text is still the text that was signed."""
        return self.document.text_sha256 == self.text_sha256


class AccessLog(models.Model):
    """One staff read of a client's record (rule 8): who, which client, what, when, from where.
    Append-only: written by clients.services.access_log_record, never changed or deleted (the
    admin shows it read-only to practice admins)."""

    class What(models.TextChoices):
        SCREENING = "screening", "Screening history"
        RISK_FLAG = "risk_flag", "Risk flag"
        GOALS = "goals", "Goals"
        GOAL = "goal", "A goal and its check-ins"
        APPOINTMENT = "appointment", "An appointment"
        TIMELINE = "timeline", "Client timeline"
        NOTE = "note", "Clinician note"
        ADMIN = "admin", "Record in the admin"
        EXPORT = "export", "Record export"
        LIST = "list", "Named in a list of clients"
        MESSAGES = "messages", "Secure messages"
        DOCUMENT = "document", "A shared document"

    at = models.DateTimeField(db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="record_accesses")
    what = models.CharField(max_length=16, choices=What.choices)
    detail = models.CharField(max_length=200, blank=True,
                              help_text="Which object, e.g. the admin model or the goal's id.")
    path = models.CharField(max_length=300)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["client", "-at"])]

    def __str__(self) -> str:
        return f"{self.by} read {self.get_what_display().lower()} of {self.client}"


class AccountClosureRequest(models.Model):
    """A client's request to close their account. Closing (clients.services.account_close, by a
    practice admin) deactivates the login and stops every reminder; nothing of the record is
    deleted, because health records are retained (settings.RECORD_RETENTION_YEARS)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        CLOSED = "closed", "Closed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="closure_requests")
    requested_at = models.DateTimeField(default=timezone.now, db_index=True)
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One open request at a time: a double click or a second tab finds the first.
            models.UniqueConstraint(fields=["client"], condition=models.Q(status="requested"),
                                    name="one_open_closure_request_per_client"),
            models.CheckConstraint(
                condition=~models.Q(status="closed") | (models.Q(closed_at__isnull=False)
                                                        & models.Q(closed_by__isnull=False)),
                name="closed_closure_request_has_time_and_admin",
            ),
        ]

    def __str__(self) -> str:
        return f"Closure of {self.client}'s account ({self.get_status_display().lower()})"


class ClinicianNote(models.Model):
    """A clinician's private note about a client: plain text, timestamped, never shown to the
    client and never exported. Only the Fernet ciphertext is stored (clients.services.
    clinician_note_add), so a database dump alone does not reveal what was written; the key
    comes from the environment (settings.CLINICIAN_NOTES_KEY)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="clinician_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    text_encrypted = models.BinaryField(editable=False)
    # The line the text belongs to (clients.access.free_text_line): a therapist's note may hold
    # scores or medication and is never shown to a coaching-only clinician. Notes written
    # before this was kept count as therapy (fail closed).
    service_line = models.CharField(max_length=16, default="therapy",
                                    choices=[("therapy", "Therapy"), ("coaching", "Coaching")])

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["client", "-created_at"])]

    def __str__(self) -> str:
        return f"Note about {self.client} by {self.author}"


class SignInEvent(models.Model):
    """One sign-in, failed sign-in, sign-out-everywhere or two-factor event (issue 13), shown to
    the person ("Your sign-ins") and to practice admins. Append-only and kept as long as the
    access log (nothing deletes either). ``user`` is empty when a failed sign-in named no
    account; ``login`` then keeps what was typed (cut to 254 characters) for the admin."""

    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", "Signed in"
        FAILED = "failed", "Failed sign-in"
        MFA_FAILED = "mfa_failed", "Wrong two-factor code"
        MFA_ADDED = "mfa_added", "Two-factor method added"
        MFA_REMOVED = "mfa_removed", "Two-factor method removed"
        MFA_RESET = "mfa_reset", "New recovery codes"
        REAUTHENTICATED = "reauthenticated", "Confirmed it was you"
        SIGNED_OUT_EVERYWHERE = "signed_out_everywhere", "Signed out everywhere"
        TIMED_OUT = "timed_out", "Signed out after inactivity"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             blank=True, related_name="sign_in_events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    method = models.CharField(max_length=32, blank=True,
                              help_text="password, code, passkey, totp, recovery code, ...")
    login = models.CharField(max_length=254, blank=True,
                             help_text="What was typed, for a failed sign-in of no account.")
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    device = models.CharField(max_length=80, blank=True,
                              help_text='Coarse: "Firefox on Windows", never the full header.')

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "-at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user or self.login or 'unknown'}"
