"""Safety answers that neither the database nor the broker took (rule 1): kept in the person's
session by the page that got them, written by their next request."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import cast

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

from clients.http import AuthenticatedRequest

logger = logging.getLogger(__name__)

SAFETY_PENDING_KEY = "safety_pending"


class SafetyPendingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.get(SAFETY_PENDING_KEY) \
                and request.user.is_authenticated and request.user.is_client:
            self._write(cast(AuthenticatedRequest, request))
        return self.get_response(request)

    @staticmethod
    def _write(request: AuthenticatedRequest) -> None:
        from screening.services import safety_answers_report

        left = []
        for pending in request.session[SAFETY_PENDING_KEY]:
            try:
                safety_answers_report(client=request.user, instrument=pending["instrument"],
                                      answers=pending["answers"])
            except DatabaseError:
                logger.critical("SAFETY: pending safety answers of client %s still not "
                                "written", request.user.pk, exc_info=True)
                left.append(pending)
            except Exception:
                logger.critical("SAFETY: pending safety answers of client %s could not be "
                                "read: %r", request.user.pk, pending, exc_info=True)
        if left:
            request.session[SAFETY_PENDING_KEY] = left
        else:
            del request.session[SAFETY_PENDING_KEY]
            logger.warning("SAFETY: pending safety answers of client %s written",
                           request.user.pk)
