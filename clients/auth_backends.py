"""The authentication backends: Django's and allauth's, with ``get_user`` (run by every signed-in
request) taking the user row read with the session's (clients/session_store.py) or reading it
through a query compiled once per process (portal.lib.prepared, issue 15). Everything else is
theirs."""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db import router

from clients.models import User
from clients.session_store import user_id_of, user_read_with_request_session
from portal.lib.prepared import PreparedRead

_READ = PreparedRead(User, [("pk", 1)])


def user_by_pk(user_id) -> User | None:
    pk = user_id_of(user_id)
    if pk is None:
        return None
    return _READ.get(pk, using=router.db_for_read(User))  # type: ignore[return-value]


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        # The user row read with the request's session row, when it is this user (one query
        # for both: clients/session_store.py); otherwise read here.
        user = user_read_with_request_session(user_id) or user_by_pk(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class AuthenticationBackend(AllauthBackend):
    get_user = ModelBackend.get_user
