"""Every admin page that shows a client's record is a staff read (rule 8): the change list (one
row per client on the page), the change page, its history and the autocomplete that lists
people. Written here once for every registered model, Django's and allauth's included, so an
admin registered tomorrow logs too (the walk in portal/tests/test_access_log_walk.py checks it).

Which clients an object belongs to is read from its foreign keys: a key to a client account
(``client``, ``user``, ``recipient``...), or one step further through a key to a row that has
one (a check-in's goal's client). Two or three queries per page, whatever its rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.db import models
from django.http import HttpRequest, HttpResponse

from clients.models import AccessLog, Role, User
from clients.services import access_log_record_many


def _user_keys(model: type[models.Model]) -> list[models.ForeignKey]:
    return [field for field in model._meta.concrete_fields
            if isinstance(field, models.ForeignKey) and field.related_model is User]


def people_of(objects: Iterable[models.Model]) -> list[User]:
    """The client accounts these rows name. Accounts already loaded with the rows (the admin's
    ``list_select_related``) cost nothing; the rest are read in one query per kind of key."""
    found: dict[int, User] = {}
    missing: set[int] = set()

    def take(row: models.Model, field: models.ForeignKey) -> None:
        if field.is_cached(row):
            person = getattr(row, field.name)
            if person is not None:
                found[person.pk] = person
        elif getattr(row, field.attname) is not None:
            missing.add(getattr(row, field.attname))

    objects = list(objects)
    for row in objects:
        if isinstance(row, User):
            found[row.pk] = row
            continue
        for field in _user_keys(type(row)):
            take(row, field)
    # One step further, for rows without a client key of their own: a check-in's or a
    # comment's goal's client (a comment's author is staff).
    by_parent: dict[models.ForeignKey, set[int]] = {}
    for row in objects:
        if isinstance(row, User) or any(key.name == "client" for key in _user_keys(type(row))):
            continue
        for concrete in type(row)._meta.concrete_fields:
            if not isinstance(concrete, models.ForeignKey) or concrete.related_model is User \
                    or not _user_keys(concrete.related_model):
                continue
            if concrete.is_cached(row) and getattr(row, concrete.name) is not None:
                for key in _user_keys(concrete.related_model):
                    take(getattr(row, concrete.name), key)
            elif getattr(row, concrete.attname) is not None:
                by_parent.setdefault(concrete, set()).add(getattr(row, concrete.attname))
    for field, parents in by_parent.items():
        for key in _user_keys(field.related_model):
            missing |= set(field.related_model._default_manager.filter(pk__in=parents)
                           .values_list(key.attname, flat=True)) - {None}
    missing -= set(found)
    if missing:
        found.update((person.pk, person) for person in User.objects.filter(
            pk__in=missing, role=Role.CLIENT).only("pk", "role"))
    return [person for person in found.values() if person.is_client]


def _what(model: type[models.Model] | None) -> str:
    model_admin = admin.site._registry.get(model) if model is not None else None
    return getattr(model_admin, "access_log_what", AccessLog.What.ADMIN)


class AdminAccessLogMiddleware:
    """Writes the access-log rows of admin pages after the view, from what the page shows."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefix = "/admin/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_template_response(self, request: HttpRequest,
                                  response: HttpResponse) -> HttpResponse:
        if not request.path.startswith(self.prefix) or response.status_code != 200 \
                or not request.user.is_authenticated or not request.user.is_staff_member:
            return response
        context = getattr(response, "context_data", None) or {}
        opts: Any = context.get("opts")  # the admin's own context: an untyped dict
        model = getattr(opts, "model", None)
        if "cl" in context:  # a change list: the rows on this page
            rows = list(context["cl"].result_list)
            detail = f"{opts.label} list"
        elif context.get("original") is not None:  # a change page
            rows = [context["original"]]
            detail = f"{opts.label} {context['original'].pk}"
        elif context.get("object") is not None and "action_list" in context:  # history
            rows = [context["object"]]
            detail = f"{opts.label} {context['object'].pk} history"
        else:
            return response
        what = _what(model) if len(rows) == 1 and "cl" not in context else AccessLog.What.LIST
        access_log_record_many(request=request, clients=people_of(rows), what=what,
                               detail=detail)
        return response


def _autocompletes_people(request: HttpRequest) -> bool:
    try:
        source = apps.get_model(request.GET["app_label"], request.GET["model_name"])
        return source._meta.get_field(request.GET["field_name"]).related_model is User
    except (KeyError, LookupError, ValueError, AttributeError):
        return False


def autocomplete_logged(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The admin's autocomplete lists people by name: each client listed is logged."""

    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and request.user.is_authenticated \
                and request.user.is_staff_member and _autocompletes_people(request):
            results = json.loads(response.content).get("results", [])
            ids = {int(result["id"]) for result in results if str(result.get("id")).isdigit()}
            people = User.objects.filter(pk__in=ids, role=Role.CLIENT).only("pk", "role")
            access_log_record_many(request=request, clients=list(people),
                                   what=AccessLog.What.LIST, detail="admin autocomplete")
        return response

    return wrapper
