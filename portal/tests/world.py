"""A small practice with something in every part of a client's record, and every URL of the
portal filled with its objects: what the resolver walks (the least-access matrix and the
access-log walk) are generated from, so a page is covered the day it is written.

Personas: ``owner`` (Alex Morgan, both lines, assigned to Dana), ``stranger`` (Jordan Blake,
another clinician's coaching client), Dana Reyes (``clinician``, both lines), Sam Okafor
(``other_clinician``, assigned to the stranger only), a coaching-only clinician assigned to
the owner in the ``coach`` role (Dana's profile switched to coaching only), and the admins.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import time_machine
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from clients.models import ConsentSignature, User
from clients.services import clinician_note_add
from documents.services import document_share
from documents.tests.conftest import PDF, upload
from goals.services import check_in_record, comment_add, goal_create
from messaging.models import MessagingPreference
from messaging.services import message_send
from notifications.models import Notification
from notifications.selectors import notification_review_token
from screening.services import screening_submit, screening_submit_many
from screening.tests.conftest import answers, full_set
from sessions.models import CalendarFeed, WaitlistEntry
from sessions.services import appointment_book, calendar_feed_regenerate, waitlist_join
from sessions.tests.conftest import service_type, sign_consent, weekdays_nine_to_five
from workspace.models import AttentionAcknowledgement

NOW = dt.datetime(2027, 1, 4, 15, 0, tzinfo=dt.UTC)  # Monday 10:00 in New York


@dataclass
class World:
    owner: User
    stranger: User
    clinician: User
    objects: dict[str, Any] = field(default_factory=dict)

    def clients(self) -> list[User]:
        return [self.owner, self.stranger]


def world_build(*, owner: User, stranger: User, clinician: User) -> World:
    """Every kind of object a URL can name, belonging to ``owner`` (and Dana)."""
    with time_machine.travel(NOW, tick=False):
        weekdays_nine_to_five(clinician)
        for kind in ("privacy", "therapy", "coaching"):
            sign_consent(owner, kind)
        screening_submit_many(client=owner, answers_by_instrument=full_set(
            phq9={"item1": 2, "item2": 2}))
        screening_submit(client=owner, instrument="safety", answers=answers("safety", s1=1))
        appointment = appointment_book(client=owner, clinician=clinician,
                                       service_type=service_type("therapy-consultation"),
                                       start=NOW + dt.timedelta(days=2), by=clinician)
        coaching = goal_create(client=owner, service_line="coaching", created_by=owner,
                               title="Walk", metric="steps", unit="steps",
                               baseline=Decimal(1), target=Decimal(9), direction="up",
                               cadence="daily")
        therapy = goal_create(client=owner, service_line="therapy", created_by=clinician,
                              title="Sleep routine", cadence="daily")
        check_in = check_in_record(goal=coaching, by=owner, value=Decimal(3))
        comment = comment_add(goal=coaching, author=clinician, text="Nice", check_in=check_in)
        note = clinician_note_add(client=owner, author=clinician, text="Private")
        acknowledgement = AttentionAcknowledgement.objects.create(
            clinician=clinician, client=owner, rule="missed_check_ins",
            fingerprint="goal:1", note="Called them.")
        calendar_feed_regenerate(user=owner)
        # A reminder to the owner whose send was ambiguous: a person must decide.
        stuck = Notification.objects.filter(recipient=owner,
                                            kind=Notification.Kind.APPOINTMENT_REMINDER).first()
        Notification.objects.filter(pk=stuck.pk).update(status=Notification.Status.NEEDS_REVIEW)
        waitlist_join(client=owner, clinician=clinician,
                      service_type=service_type("therapy-consultation"))
        # A therapy conversation (a coaching-only clinician never opens it) and a therapy
        # document Dana asked the owner to sign.
        MessagingPreference.objects.create(client=owner, enabled=True)
        owner.refresh_from_db()
        message_send(sender=owner, client=owner, service_line="therapy", body="Hello")
        message_send(sender=clinician, client=owner, service_line="therapy", body="Hi Alex")
        document = document_share(by=clinician, client=owner, file=upload("release.pdf", PDF),
                                  title="Release of information", service_line="therapy",
                                  signature_requested=True)
    return World(owner=owner, stranger=stranger, clinician=clinician, objects={
        "appointment": appointment, "goal": therapy, "coaching_goal": coaching,
        "check_in": check_in, "comment": comment, "note": note,
        "acknowledgement": acknowledgement, "flag": owner.risk_flags.get(),
        "response": owner.screening_responses.filter(instrument="phq9").first(),
        "recommendation": owner.route_recommendations.first(),
        "signature": ConsentSignature.objects.filter(client=owner).first(),
        "feed": CalendarFeed.objects.get(user=owner),
        "waitlist": WaitlistEntry.objects.get(client=owner),
        "needs_review": Notification.objects.get(pk=stuck.pk),
        "document": document,
        "measures": appointment.measures,
    })


# --- The resolver -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    pattern: str
    module: str
    params: tuple[str, ...]


def routes() -> list[Route]:
    """Every named URL pattern of the project outside the admin and allauth's own pages."""
    found: list[Route] = []

    def walk(resolver: URLResolver, namespace: str, prefix: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern, inner, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                module = getattr(pattern.callback, "__module__", "") or ""
                text = prefix + str(pattern.pattern)
                found.append(Route(f"{namespace}{pattern.name}", text, module,
                                   tuple(re.findall(r"<(?:\w+:)?(\w+)>", text))))

    walk(get_resolver(), "", "")
    return [route for route in found
            if not route.pattern.startswith("admin/")
            and not route.module.startswith(("allauth.", "django."))]


# What each path parameter is filled with, by name (and, where a name is ambiguous, by URL).
def param_value(world: World, route: Route, param: str) -> Any:
    objects = world.objects
    by_name: dict[str, Any] = {
        "client_id": world.owner.public_id,
        "appointment_id": objects["appointment"].public_id,
        "goal_id": objects["goal"].public_id,
        "response_id": objects["response"].public_id,
        "flag_id": objects["flag"].public_id,
        "recommendation_id": objects["recommendation"].public_id,
        "entry_id": objects["waitlist"].public_id,
        "measures_id": objects["measures"].public_id,
        "token": notification_review_token(objects["needs_review"])
        if route.name.startswith("notifications:") else objects["feed"].token,
        "public_id": objects["signature"].public_id,
        "code": "therapy-consultation",
        "kind": "therapy",
        "line": "therapy" if route.name.startswith("messaging:") else "coaching",
        "document_id": objects["document"].public_id,
        "instrument": "phq9" if route.name == "screening:retake" else "safety",
    }
    if param not in by_name:
        raise KeyError(f"{route.name}: no value for the URL parameter {param!r}; add one to "
                       "portal/tests/world.py")
    return by_name[param]


def url_for(world: World, route: Route) -> str:
    return reverse(route.name, kwargs={param: param_value(world, route, param)
                                       for param in route.params})


def admin_urls(world: World) -> dict[str, str]:
    """The changelist, change, history and autocomplete pages of every registered model, the
    change and history pages on one of the world's objects where it has one."""
    urls: dict[str, str] = {}
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        base = f"admin:{meta.app_label}_{meta.model_name}"
        urls[f"{base}_changelist"] = reverse(f"{base}_changelist")
        for name in model_admin.autocomplete_fields:
            urls[f"{base}_autocomplete_{name}"] = reverse("admin:autocomplete") + "?" + \
                urlencode({"app_label": meta.app_label, "model_name": meta.model_name,
                           "field_name": name, "term": ""})
        obj = _world_object_of(world, model)
        if obj is not None:
            urls[f"{base}_change"] = reverse(f"{base}_change", args=[obj.pk])
            urls[f"{base}_history"] = reverse(f"{base}_history", args=[obj.pk])
    return urls


def _world_object_of(world: World, model) -> Any:
    if model is User:
        return world.owner
    for obj in (*world.objects.values(), world.owner.client_profile):
        if isinstance(obj, model):
            return obj
    return model._default_manager.filter(
        **{"client": world.owner} if any(f.name == "client" for f in model._meta.fields)
        else {}).first()
