"""Receivers that write the sign-in history (issue 13) and start each session's clock. Connected
in ClientsConfig.ready(). Django sends user_logged_in and user_login_failed (allauth signs in
through Django's authenticate() and login()); allauth sends a rejected sign-in code, and
allauth.mfa the two-factor events."""

from __future__ import annotations

import contextlib

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from clients.models import SignInEvent, User
from clients.services import sign_in_event_record


def _methods(request) -> str:
    """How the person proved who they are, from allauth's record in the session:
    "password+mfa", "code", "mfa" (a passkey)."""
    records: list[dict[str, object]] = []
    with contextlib.suppress(Exception):
        records = request.session.get("account_authentication_methods") or []
    names = []
    for record in records:
        name = str(record.get("method", ""))
        if record.get("type"):
            name = str(record["type"])
        if name and name not in names:
            names.append(name)
    return "+".join(names)[:32]


@receiver(auth_signals.user_logged_in, dispatch_uid="tandem-sign-in")
def _signed_in(sender, request, user, **kwargs) -> None:
    from clients.middleware import session_policy_start

    if request is not None and hasattr(request, "session"):
        session_policy_start(request, user)
    sign_in_event_record(request=request, kind=SignInEvent.Kind.SIGNED_IN, user=user,
                         method=_methods(request) if request is not None else "")


@receiver(auth_signals.user_login_failed, dispatch_uid="tandem-sign-in-failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    login = str(credentials.get("email") or credentials.get("username") or "")
    login = login.replace("\x00", "")[:254]
    user = User.objects.filter(email__iexact=login).first() if login else None
    sign_in_event_record(request=request, kind=SignInEvent.Kind.FAILED, user=user,
                         method="password", login=login)


@receiver(account_signals.login_code_rejected, dispatch_uid="tandem-sign-in-code-rejected")
def _sign_in_code_rejected(sender, request, user, **kwargs) -> None:
    """A wrong code from "email me a sign-in code": a failed sign-in like a wrong password."""
    sign_in_event_record(request=request, kind=SignInEvent.Kind.FAILED, user=user,
                         method="code", login=user.email)


def _mfa_receiver(kind: str):
    def handler(sender, request=None, user=None, authenticator=None, **kwargs) -> None:
        if user is None or not getattr(user, "pk", None):
            return
        method = getattr(authenticator, "type", "") or ""
        sign_in_event_record(request=request, kind=kind, user=user, method=str(method))
    return handler


for _signal, _kind in [(mfa_signals.authenticator_added, SignInEvent.Kind.MFA_ADDED),
                       (mfa_signals.authenticator_removed, SignInEvent.Kind.MFA_REMOVED),
                       (mfa_signals.authenticator_reset, SignInEvent.Kind.MFA_RESET),
                       (mfa_signals.authentication_failed, SignInEvent.Kind.MFA_FAILED)]:
    _signal.connect(_mfa_receiver(_kind), dispatch_uid=f"tandem-mfa-{_kind}", weak=False)
