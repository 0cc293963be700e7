"""Screening history: responses, route recommendations and risk flags.

Responses and recommendations are history: written once by the services, never edited (admin
shows them read-only). A clinician's override of a route and the resolution of a risk flag are
recorded beside the original, never over it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class InstrumentCode(models.TextChoices):
    SAFETY = "safety", "Safety screen"
    PHQ9 = "phq9", "PHQ-9"
    GAD7 = "gad7", "GAD-7"
    WHO5 = "who5", "WHO-5"
    SELF_ASSESSMENT = "self_assessment", "Self-assessment"
    CSSRS = "cssrs", "C-SSRS screener"
    PCL5 = "pcl5", "PCL-5"


class Route(models.TextChoices):
    CRISIS = "crisis", "Help now"
    THERAPY = "therapy", "Therapy"
    INTEGRATED = "integrated", "Therapy and coaching"
    COACHING = "coaching", "Coaching"


class ScreeningResponse(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # PROTECT: health records are retained; an account is closed, never deleted with its history.
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="screening_responses")
    instrument = models.CharField(max_length=32, choices=InstrumentCode.choices)
    version = models.PositiveSmallIntegerField()
    answers = models.JSONField(help_text="Every answer, by item code.")
    total = models.PositiveSmallIntegerField(null=True, blank=True)
    band = models.CharField(max_length=32, blank=True)
    flags = models.JSONField(default=list, blank=True)
    subscores = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["client", "instrument", "-submitted_at"],
                                name="screening_client_instr_idx")]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} of {self.client} at {self.submitted_at:%Y-%m-%d}"

    @property
    def percent(self) -> int | None:
        """WHO-5 on its published percentage scale."""
        return self.subscores.get("percent")


class RouteRecommendation(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="route_recommendations")
    route = models.CharField(max_length=16, choices=Route.choices)
    # [{"code": "phq9_high", ...params}]: rendered in plain words for the client and with the
    # numbers for the clinician (screening.routing).
    reasons = models.JSONField(default=list)
    responses = models.ManyToManyField(ScreeningResponse, related_name="recommendations")
    created_at = models.DateTimeField(db_index=True)
    # A clinician may override the computed route; both are kept.
    override_route = models.CharField(max_length=16, choices=Route.choices, blank=True)
    override_note = models.TextField(blank=True)
    # The line the note belongs to (clients.access.free_text_line): a therapist's reasons may
    # carry scores or medication and are never shown to a coaching-only clinician. Notes from
    # before this was kept count as therapy (fail closed).
    override_note_line = models.CharField(max_length=16, default="therapy", blank=True)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="+")
    overridden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(override_route="") | (~Q(override_note="")
                                                  & Q(overridden_by__isnull=False)
                                                  & Q(overridden_at__isnull=False)),
                name="route_override_has_note_and_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_effective_route_display()} for {self.client}"

    @property
    def effective_route(self) -> str:
        return self.override_route or self.route

    def get_effective_route_display(self) -> str:
        return Route(self.effective_route).label


class RiskFlag(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="risk_flags")
    # The response that opened the flag; later positives while it is open are linked by time.
    # Empty while the flag stands on the safety answers alone: a page sent half-filled (or a
    # save that failed) opens the flag before any response is valid, and the first complete
    # positive response of the same client is linked to it then.
    response = models.ForeignKey(ScreeningResponse, on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="risk_flags")
    # The safety answers that opened it, as sent: {"instrument": "phq9", "answers": {...}}.
    trigger = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(db_index=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)
    # The C-SSRS screener's triage (low, moderate, high) once the client has answered it; the
    # highest level answered while the flag is open (screening.instruments.cssrs).
    triage = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            # One open flag per client: a new positive while one is open alerts again but
            # does not open a second flag.
            models.UniqueConstraint(fields=["client"], condition=Q(status="open"),
                                    name="one_open_risk_flag_per_client"),
            models.CheckConstraint(
                condition=Q(status="open") | (Q(resolved_by__isnull=False)
                                              & Q(resolved_at__isnull=False)
                                              & ~Q(resolution_note="")),
                name="resolved_risk_flag_has_note_and_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} risk flag for {self.client}"

    @property
    def triage_label(self) -> str:
        from screening.instruments.cssrs import TRIAGE_LABELS

        return TRIAGE_LABELS.get(self.triage, "")

    @property
    def triage_tone(self) -> str:
        return {"high": "danger", "moderate": "warning"}.get(self.triage, "neutral")


class MeasureEvent(models.Model):
    """Something a clinician notes beside a client's measures ("new role", "medication
    change"), drawn on the outcome chart at its date. Free text in a line
    (``clients.access.free_text_line``): a therapist's event may name medication and is never
    shown to a coaching-only clinician."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="measure_events")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    occurred_on = models.DateField()
    text = models.CharField(max_length=200)
    line = models.CharField(max_length=16)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        indexes = [models.Index(fields=["client", "-occurred_on"], name="measure_event_client_idx")]

    def __str__(self) -> str:
        return f"{self.text} ({self.occurred_on:%Y-%m-%d})"


class MeasureShare(models.Model):
    """Whether a client sees an instrument on their own progress page. No row: the default of
    ``screening.outcomes.SHARED_BY_DEFAULT`` (WHO-5 on, the clinical measures off)."""

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="measure_shares")
    instrument = models.CharField(max_length=32)
    shared = models.BooleanField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    set_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "instrument"],
                                               name="one_measure_share_per_instrument")]

    def __str__(self) -> str:
        return f"{self.instrument} {'shared' if self.shared else 'not shared'} with {self.client}"
