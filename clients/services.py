"""Writes that carry a rule for users and their profiles."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable

from allauth.core.internal.httpkit import get_client_ip
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.utils import timezone

from clients.access import clinician_is_assigned, free_text_line
from clients.events import consent_published
from clients.models import (
    CONSENT_KIND_SERVICE_LINE,
    AccessLog,
    AccountClosureRequest,
    ClientProfile,
    ClientStatus,
    ClinicianNote,
    ClinicianProfile,
    ConsentDocument,
    ConsentSignature,
    Role,
    ServiceLines,
    SignInEvent,
    User,
    validate_time_zone,
)
from notifications.services import notifications_cancel_for_recipient
from portal.lib.useragent import device_describe


@transaction.atomic
def user_account_create(*, user: User) -> User:
    """Save a new account and give it the profile its role needs.

    Signup (through allauth's adapter), the admin and the demo seed all come through here, so a
    client never exists without a ClientProfile nor a clinician without a ClinicianProfile.
    """
    user.full_clean(exclude=["password"])
    user.save()
    profile_ensure(user=user)
    return user


def profile_ensure(*, user: User) -> None:
    if user.role == Role.CLIENT:
        ClientProfile.objects.get_or_create(user=user)
    elif user.role == Role.CLINICIAN:
        ClinicianProfile.objects.get_or_create(
            user=user, defaults={"display_name": user.full_name, "time_zone": user.time_zone}
        )


# --- Consent (DESIGN.md rule 2) ---------------------------------------------------------------

USER_AGENT_MAX = 500


PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ().\-]+$")


def phone_normalize(value: str) -> str:
    """A phone number as a person types it (spaces, dashes, brackets, a leading +), checked:
    7 to 15 digits (E.164 allows 15). Raises ValidationError with words for the person."""
    value = " ".join(value.split())
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    if not PHONE_CHARACTERS.match(value) or not 7 <= len(digits) <= 15:
        raise ValidationError(
            "Enter a phone number of 7 to 15 digits, such as +1 312 555 0142.")
    return value


def client_phone_set(*, client: User, phone: str) -> None:
    """The client's own phone number (optional; blank removes it). How a clinician reaches
    them the same day when a risk flag opens; never put in an email."""
    if not client.is_client:
        raise ValidationError("Only clients have a phone number here.")
    try:
        phone = phone_normalize(phone)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None
    ClientProfile.objects.filter(user=client).update(phone=phone, updated_at=timezone.now())
    client.client_profile.phone = phone


@transaction.atomic
def client_settings_update(*, client: User, full_name: str, time_zone: str, phone: str,
                           discreet_mode: bool, clock: str) -> bool:
    """The client's own account settings: name, time zone, clock, phone and discreet mode. All
    or nothing; errors by field. Returns whether the time zone changed (what depends on it,
    the check-in reminders, is planned again by workspace.services.account_settings_update)."""
    if not client.is_client:
        raise ValidationError("Only clients change these settings here.")
    name = " ".join(full_name.split())
    errors: dict[str, str] = {}
    if not name:
        errors["full_name"] = "Please enter your name."
    try:
        validate_time_zone(time_zone)
    except ValidationError:
        errors["time_zone"] = "Choose a time zone from the list, for example America/Chicago."
    if clock not in ("", "12", "24"):
        errors["clock"] = "Choose how times are shown."
    if errors:
        raise ValidationError(errors)
    zone_changed = time_zone != client.time_zone
    client.full_name, client.time_zone, client.clock = name, time_zone, clock
    client.full_clean(exclude=["password"])
    client.save(update_fields=["full_name", "time_zone", "clock"])
    client_phone_set(client=client, phone=phone)
    ClientProfile.objects.filter(user=client).update(discreet_mode=discreet_mode,
                                                     updated_at=timezone.now())
    client.client_profile.discreet_mode = discreet_mode
    return zone_changed


def consent_name_normalize(name: str) -> str:
    """A typed name as compared with the account name: Unicode-normalized, case-folded, with
    runs of whitespace collapsed, so "  alex   MORGAN " matches "Alex Morgan"."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _clean_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


@transaction.atomic
def consent_sign(*, client: User, document: ConsentDocument, typed_name: str, understood: bool,
                 ip_address: str | None, user_agent: str) -> ConsentSignature:
    """Record the client's signature of the current version of a document.

    Raises ValidationError, keyed by field (``typed_name``, ``understood``) where the person can
    correct it, when the name does not match the account, the box is not ticked, the document
    is not the current published version of its kind, or the signer is not a client. Signing a
    version already signed returns the existing signature unchanged. Signing the therapy consent
    or the coaching agreement adds that service line to the client's profile.
    """
    if not client.is_client:
        raise ValidationError("Only client accounts sign consent documents.")
    current = (ConsentDocument.objects.filter(kind=document.kind, published_at__isnull=False)
               .order_by("-version").first())
    if current is None or current.pk != document.pk:
        raise ValidationError(
            "This version of the document is not the current one. Please read the current "
            "version and sign that."
        )
    errors: dict[str, str] = {}
    if consent_name_normalize(typed_name) != consent_name_normalize(client.full_name):
        errors["typed_name"] = (
            f"Type your full name exactly as on your account: {client.full_name}."
        )
    if understood is not True:
        errors["understood"] = (
            "Tick the box to confirm that you have read and understood this document."
        )
    if errors:
        raise ValidationError(errors)

    existing = ConsentSignature.objects.filter(client=client, document=document).first()
    if existing is not None:
        return existing
    signature = ConsentSignature(
        client=client,
        document=document,
        # The hash of the text as read from the database now, not as it was on the form.
        text_sha256=current.text_sha256,
        typed_name=" ".join(typed_name.split()),
        understood=True,
        signed_at=timezone.now(),
        ip_address=_clean_ip(ip_address),
        # A header is whatever the browser sends; PostgreSQL refuses NUL characters in text.
        user_agent=(user_agent or "").replace("\x00", "")[:USER_AGENT_MAX],
    )
    try:
        with transaction.atomic():
            signature.save()
    except IntegrityError:
        # The same person submitted twice at once; the other request's row is the signature.
        return ConsentSignature.objects.get(client=client, document=document)
    line = CONSENT_KIND_SERVICE_LINE.get(document.kind)
    if line is not None:
        _client_service_line_add(client=client, line=line)
    return signature


def _client_service_line_add(*, client: User, line: str) -> None:
    profile, _ = ClientProfile.objects.select_for_update().get_or_create(user=client)
    lines = {profile.service_lines, line} - {""}
    merged: str
    if ServiceLines.BOTH in lines or lines == {ServiceLines.THERAPY, ServiceLines.COACHING}:
        merged = ServiceLines.BOTH
    else:
        merged = line
    if merged != profile.service_lines:
        profile.service_lines = merged
        profile.save(update_fields=["service_lines", "updated_at"])


@transaction.atomic
def consent_document_publish(*, document: ConsentDocument) -> ConsentDocument:
    """Publish a draft: from now on it is the current version of its kind and its text is fixed.

    Refuses a document already published and a draft older than the newest published version
    (it would never become current). Safe to run twice at once: only one UPDATE wins.
    """
    if document.is_published:
        raise ValidationError(f"{document} is already published.")
    newest = (ConsentDocument.objects.filter(kind=document.kind, published_at__isnull=False)
              .aggregate(v=Max("version"))["v"])
    if newest is not None and document.version <= newest:
        raise ValidationError(
            f"Version {newest} of the {document.get_kind_display().lower()} is already "
            f"published; publish a draft with a higher version number."
        )
    now = timezone.now()
    claimed = ConsentDocument.objects.filter(pk=document.pk, published_at__isnull=True).update(
        published_at=now)
    if not claimed:
        raise ValidationError(f"{document} is already published.")
    document.published_at = now
    consent_published.send(sender=ConsentDocument, document=document)
    return document


@transaction.atomic
def consent_document_new_draft(*, document: ConsentDocument) -> ConsentDocument:
    """A new draft of the same kind with the next version number, starting from this text."""
    highest = (ConsentDocument.objects.select_for_update().filter(kind=document.kind)
               .aggregate(v=Max("version"))["v"]) or 0
    draft = ConsentDocument(kind=document.kind, version=highest + 1, title=document.title,
                            body=document.body)
    draft.full_clean()
    draft.save()
    return draft


def access_log_record(*, request, client: User, what: str, detail: str = "") -> None:
    """Write one access-log row for a staff read of a client's record (rule 8). Clients reading
    their own record are not logged; staff always are."""
    if not request.user.is_staff_member:
        return
    try:
        address = get_client_ip(request)
    except Exception:  # a malformed X-Forwarded-For must not block the read it records
        address = None
    AccessLog.objects.create(at=timezone.now(), by=request.user, client=client, what=what,
                             detail=detail[:200], path=request.path[:300], ip_address=address)


def access_log_record_many(*, request, clients: Iterable[User], what: str,
                           detail: str = "") -> int:
    """One access-log row for each client a staff page shows (a list, a schedule, the admin's
    change lists), in one INSERT whatever their number; clients reading their own pages are
    not logged. Returns how many rows were written.

    The rows differ only by client, so the statement is ``INSERT … SELECT unnest(ids)``: one
    round trip in autocommit. ``bulk_create`` would prepare every field of every row in Python
    and wrap its INSERT in BEGIN and COMMIT (three round trips), a quarter of a 50-row list's
    time. Each shared value goes through its field's own preparation, as bulk_create does."""
    if not request.user.is_staff_member:
        return 0
    try:
        address = get_client_ip(request)
    except Exception:  # a malformed X-Forwarded-For must not block the read it records
        address = None
    ids = list(dict.fromkeys(client.pk for client in clients if client.is_client))
    if not ids:
        return 0
    meta = AccessLog._meta
    shared = {"at": timezone.now(), "by": request.user.pk, "what": what,
              "detail": detail[:200], "path": request.path[:300], "ip_address": address}
    concrete = {field.name: field for field in meta.concrete_fields}
    fields = [concrete[name] for name in shared]
    quote = connection.ops.quote_name
    # A concrete field always has its column (the stubs allow None for the others).
    columns = ", ".join(quote(str(field.column)) for field in [*fields, concrete["client"]])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) "
            f"SELECT {', '.join(['%s'] * len(fields))}, unnest(%s::bigint[])",
            [field.get_db_prep_save(value, connection) for field, value
             in zip(fields, shared.values(), strict=True)] + [ids])
    return len(ids)


# --- Closing an account (issue 6: client rights) ------------------------------------------------


def account_closure_request(*, client: User, reason: str = "") -> AccountClosureRequest:
    """The client asks the practice to close their account. One open request at a time: asking
    again while one is open (a second tab, a double click) returns the open one unchanged."""
    if not client.is_client or not client.is_active:
        raise ValidationError("Only an active client account can ask to be closed.")
    if len(reason) > 2000 or "\x00" in reason:
        raise ValidationError({"reason": "Keep this under 2,000 characters, in plain text."})
    open_requests = AccountClosureRequest.objects.filter(
        client=client, status=AccountClosureRequest.Status.REQUESTED)
    existing = open_requests.first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return AccountClosureRequest.objects.create(client=client, reason=reason.strip())
    except IntegrityError:  # the same request raced in from another tab
        return open_requests.get()


def account_closure_withdraw(*, client: User) -> AccountClosureRequest:
    """The client takes back their open request before an admin acts on it. Raises
    ValidationError when there is none (already closed, or never asked)."""
    request = (AccountClosureRequest.objects
               .filter(client=client, status=AccountClosureRequest.Status.REQUESTED).first())
    # Conditional update: an admin closing the account at the same moment wins, not both.
    if request is None or not AccountClosureRequest.objects.filter(
            pk=request.pk, status=AccountClosureRequest.Status.REQUESTED).update(
            status=AccountClosureRequest.Status.WITHDRAWN, withdrawn_at=timezone.now()):
        raise ValidationError("There is no open request to close your account.")
    request.refresh_from_db()
    return request


@transaction.atomic
def account_close(*, request: AccountClosureRequest, by: User) -> AccountClosureRequest:
    """A practice admin closes the account asked for: the login is deactivated (open sessions
    end with it), every pending message to the client is cancelled, and the profile is marked
    closed. Nothing is deleted: the health record is retained. Raises ValidationError when `by`
    is not a practice admin or the request is no longer open."""
    if not by.is_practice_admin:
        raise ValidationError("Only a practice admin can close an account.")
    now = timezone.now()
    claimed = AccountClosureRequest.objects.filter(
        pk=request.pk, status=AccountClosureRequest.Status.REQUESTED,
    ).update(status=AccountClosureRequest.Status.CLOSED, closed_at=now, closed_by=by)
    if not claimed:
        raise ValidationError("This request was already closed or withdrawn.")
    client = User.objects.select_for_update().get(pk=request.client_id)
    client.is_active = False
    client.save(update_fields=["is_active"])
    ClientProfile.objects.filter(user=client).update(status=ClientStatus.CLOSED)
    # Delivery also skips inactive recipients and the planners plan nothing for them, so no
    # reminder is created after this one update.
    notifications_cancel_for_recipient(recipient=client, reason="The account was closed.")
    request.refresh_from_db()
    return request


# --- Clinician notes (issue 6): private, encrypted at rest ----------------------------------


def notes_cipher() -> MultiFernet:
    """The Fernet cipher of clinician notes, from settings.CLINICIAN_NOTES_KEY: one key, or
    several separated by commas to rotate (the first encrypts; every one decrypts, see
    https://cryptography.io/en/latest/fernet/#cryptography.fernet.MultiFernet)."""
    configured = getattr(settings, "CLINICIAN_NOTES_KEY", "")
    keys = [key.strip() for key in configured.split(",") if key.strip()]
    if not keys:
        raise ImproperlyConfigured("CLINICIAN_NOTES_KEY is not set (TANDEM_NOTES_KEY).")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "CLINICIAN_NOTES_KEY must be url-safe base64 Fernet keys "
            "(cryptography.fernet.Fernet.generate_key()).") from error


NOTE_MAX_LENGTH = 10_000


def clinician_note_add(*, client: User, author: User, text: str) -> ClinicianNote:
    """A private note about a client by their assigned clinician. Only its ciphertext is
    stored. Raises ValidationError (``text`` for what the author can correct) when the author is
    not the client's clinician or the text is empty or too long."""
    if not clinician_is_assigned(clinician=author, client=client):
        raise ValidationError("Only the client's clinician writes notes about them.")
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ValidationError({"text": "Write the note."})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError({"text": f"Keep a note under {NOTE_MAX_LENGTH:,} characters."})
    return ClinicianNote.objects.create(
        client=client, author=author, created_at=timezone.now(),
        service_line=free_text_line(author),
        text_encrypted=notes_cipher().encrypt(text.encode()))


# --- Sign-in history and sessions (issue 13) ------------------------------------------------


def _request_ip(request) -> str | None:
    try:
        return _clean_ip(get_client_ip(request))
    except Exception:  # a malformed X-Forwarded-For must not block a sign-in
        return None


def sign_in_event_record(*, request, kind: str, user: User | None = None, method: str = "",
                         login: str = "") -> SignInEvent:
    """Append one row to the sign-in history. ``request`` may be None (a sign-in outside a
    request, such as a test's force_login without one); then no address or device."""
    return SignInEvent.objects.create(
        user=user, kind=kind, method=method[:32],
        login="" if user is not None else (login or "")[:254].replace("\x00", ""),
        ip_address=_request_ip(request) if request is not None else None,
        device=device_describe(request.META.get("HTTP_USER_AGENT", ""))[:80]
        if request is not None else "",
    )


@transaction.atomic
def sessions_end_everywhere(*, user: User, by: User, request=None) -> None:
    """End every session of ``user`` on every device: each is refused on its next request
    (SessionPolicyMiddleware compares the epoch it signed in under). ``by`` is the user or a
    practice admin."""
    if by != user and not by.is_practice_admin:
        raise ValidationError("Only the person or a practice admin can do this.")
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    sign_in_event_record(request=request, kind=SignInEvent.Kind.SIGNED_OUT_EVERYWHERE,
                         user=user, method="" if by == user else f"by admin {by.pk}")


def clinician_notes_rotate(*, batch_size: int = 500) -> int:
    """Re-encrypt every clinician note with the first key of TANDEM_NOTES_KEY (MultiFernet.
    rotate), so the old keys can then be removed. Safe to run twice and to interrupt: a note
    already under the first key is simply encrypted again. Returns how many notes it wrote.
    A note no configured key can read stops the run with InvalidToken, before anything of its
    batch is written."""
    cipher = notes_cipher()
    written = 0
    last_pk = 0
    while True:
        batch = list(ClinicianNote.objects.filter(pk__gt=last_pk).order_by("pk")
                     .only("pk", "text_encrypted")[:batch_size])
        if not batch:
            return written
        with transaction.atomic():
            for note in batch:
                note.text_encrypted = cipher.rotate(bytes(note.text_encrypted))
            ClinicianNote.objects.bulk_update(batch, ["text_encrypted"])
        written += len(batch)
        last_pk = batch[-1].pk
