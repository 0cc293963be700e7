"""The needs-attention rules that are not about safety, kept in the cache between dashboard views
(issue 15: they were half of the page's time, recomputed on every view).

What is kept is one clinician's items of the kept rules (workspace.attention.KEPT_RULES) with
their words, under a key made of:

- the clinician's id;
- a *token per client* of the caseload (Redis, read in one MGET): every write a kept rule reads
  (a screening response, a check-in, a goal, an appointment, a recommendation, a signature,
  the client's account, profile or quiet hours) gives that client a new random token, so the
  next view computes the list again. The caseload itself is read on every view, so a client
  who joins or leaves it changes the key too;
- a *practice token*, new when a consent document or a clinician's profile is saved;
- whether the clinician provides therapy, read with the caseload on every view: the firewall
  holds at once however their service lines were changed;
- the current five-minute period: the time-driven rules (missed check-ins, no booking, goals
  past due, not on track, the 30 days of WHO-5 reviews) move with the clock, not with writes,
  and are at most that late.

Never kept: open risk flags and crisis words in messages (computed on every view, rule 1), and
the acknowledgements, which come with the caseload on every view. A key holds one clinician's
id and is only read for that clinician: nobody's list is served to anyone else. With Redis away
(portal.lib.cache) nothing is kept: each process's memory would not see the others' tokens.

Tokens are set when the write happens and again once its transaction commits: a view that read
the old rows in between keeps them under a token that is no longer current. Writes that bypass
``save()`` (a QuerySet ``update()``) are covered where a kept rule depends on them: a check-in
is saved (its goal's ``last_check_in_period`` is then updated in bulk), a cancellation saves an
AppointmentChange. A consent document is published by an ``update()``; the publishing service
sends ``clients.events.consent_published``, which renews the practice token.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from clients.events import consent_published

KEEP_SECONDS = 300  # the period of the time-driven rules; also how long an entry lives
VERSION = 4  # of what an entry holds: a change of its shape makes the old entries misses


def _client_key(client_id: int) -> str:
    return f"attention:client:{client_id}"


PRACTICE_KEY = "attention:practice"


def caching() -> bool:
    """False while the cache answers from one process's memory (Redis unreachable)."""
    return bool(getattr(cache, "redis_available", True))


def entry_key(*, clinician_id: int, client_ids: Iterable[int], now: datetime,
              therapy: bool) -> str:
    """The clinician's key for this moment: their caseload's tokens and the practice's (one
    MGET), and whether they provide therapy now."""
    ids = sorted(client_ids)
    keys = [_client_key(pk) for pk in ids]
    tokens = cache.get_many([PRACTICE_KEY, *keys])
    digest = hashlib.blake2b(digest_size=16)
    digest.update(str(tokens.get(PRACTICE_KEY, "")).encode())
    for pk, key in zip(ids, keys, strict=True):
        digest.update(f"|{pk}:{tokens.get(key, '')}".encode())
    period = int(now.timestamp()) // KEEP_SECONDS
    line = "therapy" if therapy else "coaching"
    return f"attention:v{VERSION}:{clinician_id}:{line}:{period}:{digest.hexdigest()}"


def entry_get(key: str) -> Any:
    return cache.get(key)


def entry_set(key: str, value: Any) -> None:
    cache.set(key, value, timeout=KEEP_SECONDS)


def clients_changed(client_ids: Iterable[int | None]) -> None:
    """Something a kept rule reads changed for these clients: new tokens now and again at
    commit."""
    keys = [_client_key(pk) for pk in set(client_ids) if pk is not None]
    if keys:
        _renew(keys)


def practice_changed() -> None:
    _renew([PRACTICE_KEY])


def _renew(keys: list[str]) -> None:
    def renew() -> None:
        token = uuid.uuid4().hex
        cache.set_many(dict.fromkeys(keys, token), timeout=None)

    renew()
    transaction.on_commit(renew)


# --- The writes that change a kept rule ---------------------------------------------------------


def _of_client(field: str):
    def receiver(sender, instance, **kwargs) -> None:
        clients_changed([getattr(instance, field)])
    return receiver


def _of_check_in(sender, instance, **kwargs) -> None:
    # The goal is on the instance when the service made it (no query).
    clients_changed([instance.goal.client_id])


def _of_appointment_change(sender, instance, **kwargs) -> None:
    clients_changed([instance.appointment.client_id])


def _of_user(sender, instance, **kwargs) -> None:
    if instance.is_client:
        clients_changed([instance.pk])


def _of_practice(sender, instance, **kwargs) -> None:
    practice_changed()


def _of_publication(sender, document, **kwargs) -> None:
    practice_changed()


def connect() -> None:
    """Called by WorkspaceConfig.ready: the signals of the apps below, received here."""
    from django.apps import apps

    # A check-in and an appointment's history are deleted only with their goal or appointment,
    # whose own signal says it: saves only (a cascade would look each one's parent up).
    for label, receiver in [("goals.CheckIn", _of_check_in),
                            ("booking.AppointmentChange", _of_appointment_change)]:
        post_save.connect(receiver, sender=apps.get_model(label), weak=False,
                          dispatch_uid=f"attention-cache-{label}")
    receivers = [
        ("screening.ScreeningResponse", _of_client("client_id")),
        ("screening.RouteRecommendation", _of_client("client_id")),
        ("goals.Goal", _of_client("client_id")),
        ("goals.ReminderPreference", _of_client("client_id")),
        ("booking.Appointment", _of_client("client_id")),
        ("clients.ConsentSignature", _of_client("client_id")),
        ("clients.ClientProfile", _of_client("user_id")),
        ("clients.User", _of_user),
        ("clients.ConsentDocument", _of_practice),
        ("clients.ClinicianProfile", _of_practice),
    ]
    for label, receiver in receivers:
        model = apps.get_model(label)
        for signal in (post_save, post_delete):
            signal.connect(receiver, sender=model, weak=False,
                           dispatch_uid=f"attention-cache-{label}-{signal is post_save}")
    # Publishing a consent version is an update(), which post_save does not hear.
    consent_published.connect(_of_publication, weak=False,
                              dispatch_uid="attention-cache-consent-published")
