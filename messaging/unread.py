"""The header's unread count, at no query per page.

Every page shows the count, and 189 tests pin their pages' query counts: the count lives in the
cache (Redis in production), is written when someone signs in and again by the services that
change it (a message sent, a thread read), and is computed (one query) only on a miss. Entries
do not expire on their own: a time-travelling test must not find a miss mid-page. What can make
one stale is a client moved to another clinician in the admin; the next message or read of the
thread puts it right (README, "Messages")."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db import transaction
from django.dispatch import receiver
from django.utils.functional import SimpleLazyObject

from clients.models import User


def _key(user_id: int) -> str:
    return f"messaging:unread:{user_id}"


def unread_cached(user: User) -> int:
    from messaging.selectors import unread_count

    value = cache.get(_key(user.pk))
    if value is None:
        value = unread_count(user=user)
        cache.set(_key(user.pk), value, timeout=None)
    return value


def unread_forget(users: Iterable[User | None]) -> None:
    """These people's counts changed: drop them now and again once the transaction commits
    (a page that read the old rows in between must not keep its stale count); the next page
    computes them (one query)."""
    keys = [_key(user.pk) for user in users if user is not None]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


@receiver(user_logged_in, dispatch_uid="messaging-unread-warm")
def _warm_on_sign_in(sender, request, user, **kwargs) -> None:
    if user.is_client or user.is_clinician:
        cache.set(_key(user.pk), _count(user), timeout=None)


def _count(user: User) -> int:
    from messaging.selectors import unread_count

    return unread_count(user=user)


def unread_context(request) -> dict[str, object]:
    """Context processor: ``unread_messages``, read from the cache only if a template uses
    it (the header, for clients and clinicians)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not (user.is_client or user.is_clinician):
        return {}
    return {"unread_messages": SimpleLazyObject(lambda: unread_cached(user))}
