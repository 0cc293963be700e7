"""The request a signed-in page receives, for the type checker.

``HttpRequest.user`` may be anonymous. Behind ``login_required`` or a role decorator of
``portal/lib/access.py`` it never is, and a view annotated with ``AuthenticatedRequest`` says so
once instead of narrowing ``request.user`` on every line. Django still passes an ``HttpRequest``:
the decorators are what make the annotation true, so use it only behind one of them.
"""

from __future__ import annotations

from django.http import HttpRequest

from clients.models import User


class AuthenticatedRequest(HttpRequest):
    user: User
