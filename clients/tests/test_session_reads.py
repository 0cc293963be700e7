"""The reads of every signed-in request (issue 15): the session row with its user row, one query
compiled once (portal.lib.prepared), answering exactly as Django's own reads do; the user read
on its own where the session row does not hold it."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.auth_backends import AuthenticationBackend, ModelBackend, user_by_pk
from clients.models import User, WebSession
from clients.session_store import SessionStore, user_read_with_request_session
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


def test_the_session_read_is_django_s_with_its_user_in_the_same_query(client_user):
    ours = SessionStore()
    ours.update({SESSION_KEY: str(client_user.pk), "draft": {"q1": 2}})
    ours.save()
    assert WebSession.objects.get(session_key=ours.session_key).user_id == client_user.pk
    read = SessionStore(ours.session_key)
    with CaptureQueriesContext(connection) as queries:
        assert read.load() == {SESSION_KEY: str(client_user.pk), "draft": {"q1": 2}}
        user = read.user_read_with(str(client_user.pk))
        _field_values(user)
    assert len(queries) == 1
    assert type(user) is User and user._state.adding is False and user._state.db == "default"
    assert _field_values(user) == _field_values(User.objects.get(pk=client_user.pk))


def test_the_user_read_with_a_session_is_only_the_user_it_names(client_user, clinician):
    store = SessionStore()
    store[SESSION_KEY] = str(client_user.pk)
    store.save()
    read = SessionStore(store.session_key)
    read.load()
    assert read.user_read_with(str(clinician.pk)) is None
    assert read.user_read_with("not a number") is None
    read.cycle_key()  # as signing in does: the row read is no longer this session's
    assert read.user_read_with(str(client_user.pk)) is None
    anonymous = SessionStore()
    anonymous["draft"] = 1
    anonymous.save()
    assert WebSession.objects.get(session_key=anonymous.session_key).user_id is None
    read = SessionStore(anonymous.session_key)
    read.load()
    assert read.user_read_with(str(client_user.pk)) is None


def test_an_expired_or_unknown_session_reads_as_empty_and_gets_a_new_key(client_user):
    store = SessionStore()
    store[SESSION_KEY] = str(client_user.pk)
    store.save()
    WebSession.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1))
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    assert expired.user_read_with(str(client_user.pk)) is None
    unknown = SessionStore("a" * 32)
    assert unknown.load() == {} and unknown.session_key is None


def test_a_signed_in_page_reads_its_session_and_user_in_one_query(client, client_user,
                                                                  settings):
    assert settings.SESSION_ENGINE == "clients.session_store"
    client.force_login(client_user)
    assert client.session[BACKEND_SESSION_KEY].startswith("clients.auth_backends.")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("account_sign_ins"))
    assert response.status_code == 200 and response.context["user"] == client_user
    sql = [query["sql"] for query in queries]
    assert sum('FROM "clients_websession"' in line for line in sql) == 1
    assert sum('FROM "clients_user"' in line for line in sql) == 0
    # Outside the request nobody holds its session any more.
    assert user_read_with_request_session(client_user.pk) is None


def test_a_session_row_without_its_user_id_still_signs_in(client, client_user):
    """A row copied from Django's table (the migration) has no user id until it is saved: the
    user is then read on its own."""
    client.force_login(client_user)
    WebSession.objects.filter(session_key=client.session.session_key).update(user=None)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("account_sign_ins"))
    assert response.context["user"] == client_user
    assert sum('FROM "clients_user" WHERE "clients_user"."id" =' in query["sql"]
               for query in queries) == 1


@pytest.mark.parametrize("backend", [ModelBackend, AuthenticationBackend])
def test_an_inactive_user_read_with_the_session_is_refused(backend, client, client_user):
    client.force_login(client_user)
    User.objects.filter(pk=client_user.pk).update(is_active=False)
    assert client.get(reverse("home")).context["user"].is_authenticated is False


def test_signing_out_ends_the_session_row(client, client_user):
    client.force_login(client_user)
    key = client.session.session_key
    client.post(reverse("account_logout"))
    assert not WebSession.objects.filter(session_key=key).exists()
    assert client.get(reverse("home")).context["user"].is_authenticated is False


def test_deleting_a_user_ends_their_sessions(db):
    user = User.objects.create_user(email="brief@example.com", password="a long password 1",
                                    full_name="Brief Visitor")
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store.save()
    user.delete()
    assert not WebSession.objects.filter(session_key=store.session_key).exists()


def test_the_migration_moves_unexpired_sessions_and_keeps_them_signed_in(client, client_user):
    migration = importlib.import_module("clients.migrations.0017_websession")
    live, stale = DjangoSessionStore(), DjangoSessionStore()
    for store in (live, stale):
        store.update({SESSION_KEY: str(client_user.pk),
                      BACKEND_SESSION_KEY: "clients.auth_backends.ModelBackend",
                      HASH_SESSION_KEY: client_user.get_session_auth_hash()})
        store.save()
    Session.objects.filter(session_key=stale.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1))
    migration.copy_sessions(apps, None)
    assert not Session.objects.exists()  # no session data left where nothing reads it
    assert list(WebSession.objects.values_list("session_key", flat=True)) == [live.session_key]
    client.cookies[settings.SESSION_COOKIE_NAME] = live.session_key
    assert client.get(reverse("account_sign_ins")).context["user"] == client_user


def test_a_read_that_takes_more_than_one_value_per_lookup_is_refused():
    with pytest.raises(ValueError, match="cannot prepare"):
        PreparedRead(User, [("pk__in", [1, 2])]).get([1, 2])
    with pytest.raises(ValueError, match="cannot prepare"):
        PreparedRead(User, [("pk__range", (1, 2))]).get((1, 2))
