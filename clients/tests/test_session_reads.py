"""The two reads of every signed-in request (issue 15): the session row and the user row, each
one query compiled once (portal.lib.prepared), answering exactly as Django's own reads do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.auth_backends import AuthenticationBackend, ModelBackend, user_by_pk
from clients.models import User
from clients.session_store import SessionStore
from portal.lib.prepared import PreparedRead

pytestmark = pytest.mark.django_db


def _field_values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname)
            for field in type(instance)._meta.concrete_fields}


def test_the_user_read_is_the_orm_s_user(client_user):
    with CaptureQueriesContext(connection) as queries:
        user = user_by_pk(client_user.pk)
    assert len(queries) == 1
    assert type(user) is User
    assert _field_values(user) == _field_values(User.objects.get(pk=client_user.pk))
    assert user._state.adding is False and user._state.db == "default"
    # A full instance: reading any field costs no further query.
    with CaptureQueriesContext(connection) as queries:
        _field_values(user)
    assert len(queries) == 0


@pytest.mark.parametrize("user_id", [None, "", "x", "12.5", 10**12])
def test_the_user_read_refuses_what_is_not_a_user(user_id):
    assert user_by_pk(user_id) is None


@pytest.mark.parametrize("backend", [ModelBackend, AuthenticationBackend])
def test_both_backends_refuse_an_inactive_user(backend, client_user):
    assert backend().get_user(str(client_user.pk)) == client_user
    User.objects.filter(pk=client_user.pk).update(is_active=False)
    assert backend().get_user(str(client_user.pk)) is None


def test_the_session_read_is_django_s(client_user):
    theirs = DjangoSessionStore()
    theirs.update({SESSION_KEY: str(client_user.pk), "draft": {"q1": 2}})
    theirs.save()
    with CaptureQueriesContext(connection) as queries:
        ours = SessionStore(theirs.session_key).load()
    assert len(queries) == 1
    assert ours == DjangoSessionStore(theirs.session_key).load() == {
        SESSION_KEY: str(client_user.pk), "draft": {"q1": 2}}


def test_an_expired_or_unknown_session_reads_as_empty_and_gets_a_new_key(client_user):
    store = SessionStore()
    store[SESSION_KEY] = str(client_user.pk)
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1))
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    unknown = SessionStore("a" * 32)
    assert unknown.load() == {} and unknown.session_key is None


def test_a_signed_in_page_reads_the_session_and_the_user_once_each(client, client_user,
                                                                   settings):
    assert settings.SESSION_ENGINE == "clients.session_store"
    client.force_login(client_user)
    assert client.session[BACKEND_SESSION_KEY].startswith("clients.auth_backends.")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("account_sign_ins")).status_code == 200
    sql = [query["sql"] for query in queries]
    assert sum('FROM "django_session"' in line for line in sql) == 1
    assert sum('FROM "clients_user" WHERE "clients_user"."id" =' in line for line in sql) == 1


def test_signing_out_ends_the_session_row(client, client_user):
    client.force_login(client_user)
    key = client.session.session_key
    client.post(reverse("account_logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("home")).context["user"].is_authenticated is False


def test_a_read_that_takes_more_than_one_value_per_lookup_is_refused():
    with pytest.raises(ValueError, match="cannot prepare"):
        PreparedRead(User, [("pk__in", [1, 2])]).get([1, 2])
    with pytest.raises(ValueError, match="cannot prepare"):
        PreparedRead(User, [("pk__range", (1, 2))]).get((1, 2))
