"""The practice's outcomes report (issue 17): per service line and clinician, over a chosen
period, how many clients were measured and what their change means (screening.outcomes).

A client counts for an instrument when their latest answer in the period comes after their
baseline (their first answer ever): the change is baseline → that latest answer. Reliably
improved and deteriorated are shares of the clients measured; recovered is a share of those
who were at caseness at baseline (the NHS Talking Therapies convention: a client who was never
a case cannot recover). The clinician is the one assigned to the client now.

Two queries whatever the size of the practice: every outcome answer of the clients answered in
the period (light rows: client, clinician, instrument, time, total), and the clinicians' names.
Names of clients appear only for those the viewer may open (``clients.access``), and each one
named is written to the access log by the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from django.db.models import Exists, OuterRef

from clients.models import Role, User
from screening.models import ScreeningResponse
from screening.outcomes import DETERIORATED, IMPROVED, RULES, outcome_for

LINE_OF = {"phq9": "therapy", "gad7": "therapy", "pcl5": "therapy", "who5": "coaching"}


@dataclass
class Row:
    line: str
    clinician_id: int | None
    clinician: str
    instrument: str
    measured: int = 0
    improved: int = 0
    deteriorated: int = 0
    cases: int = 0  # at caseness at baseline
    recovered: int = 0
    change_sum: int = 0
    deteriorated_clients: list[int] = field(default_factory=list)

    @property
    def title(self) -> str:
        return RULES[self.instrument].title

    @staticmethod
    def _pct(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def improved_pct(self) -> float | None:
        return self._pct(self.improved, self.measured)

    @property
    def deteriorated_pct(self) -> float | None:
        return self._pct(self.deteriorated, self.measured)

    @property
    def recovered_pct(self) -> float | None:
        return self._pct(self.recovered, self.cases)

    @property
    def mean_change(self) -> float | None:
        return round(self.change_sum / self.measured, 1) if self.measured else None


def outcomes_report(*, instruments: list[str], start: datetime, end: datetime,
                    clinician_ids: set[int] | None = None) -> list[Row]:
    """Rows per line, clinician and instrument, with an "All clinicians" row per line and
    instrument first. ``clinician_ids`` limits the rows to those clinicians' clients."""
    in_period = ScreeningResponse.objects.filter(
        client=OuterRef("client"), instrument=OuterRef("instrument"),
        submitted_at__gte=start, submitted_at__lt=end)
    answers = (ScreeningResponse.objects
               .filter(instrument__in=instruments, total__isnull=False, submitted_at__lt=end)
               .filter(Exists(in_period))
               .order_by("client_id", "instrument", "submitted_at", "pk")
               .values_list("client_id", "client__client_profile__clinician_id", "instrument",
                            "submitted_at", "total"))
    if clinician_ids is not None:
        answers = answers.filter(client__client_profile__clinician_id__in=clinician_ids)
    firsts: dict[tuple[int, str], tuple[datetime, int]] = {}
    latest: dict[tuple[int, str], tuple[int | None, datetime, int]] = {}
    # Every total here is set (the query filters out unscored answers).
    for client_id, clinician_id, code, at, total in answers:
        value = cast(int, total) * 4 if code == "who5" else cast(int, total)
        key = (client_id, code)
        firsts.setdefault(key, (at, value))
        if at >= start:
            latest[key] = (clinician_id, at, value)
    names = dict(User.objects.filter(role=Role.CLINICIAN).values_list("pk", "full_name"))
    rows: dict[tuple[str, int | None, str], Row] = {}

    def row_for(code: str, clinician_id: int | None, label: str) -> Row:
        key = (LINE_OF[code], clinician_id, code)
        if key not in rows:
            rows[key] = Row(LINE_OF[code], clinician_id, label, code)
        return rows[key]

    for (client_id, code), (assigned_id, at, value) in latest.items():
        first_at, baseline = firsts[(client_id, code)]
        if at == first_at:
            continue  # only the baseline so far: no change to classify
        outcome = outcome_for(instrument=code, baseline=baseline, latest=value)
        own = names.get(assigned_id, "Nobody assigned") if assigned_id else "Nobody assigned"
        for row in (row_for(code, -1, "All clinicians"), row_for(code, assigned_id, own)):
            row.measured += 1
            row.improved += outcome.change == IMPROVED
            row.deteriorated += outcome.change == DETERIORATED
            at_caseness = RULES[code].at_caseness(baseline)
            row.cases += at_caseness
            row.recovered += outcome.recovered
            row.change_sum += outcome.points
            if outcome.change == DETERIORATED and row.clinician_id != -1:
                row.deteriorated_clients.append(client_id)
    order = {code: index for index, code in enumerate(instruments)}
    return sorted(rows.values(), key=lambda r: (r.line != "therapy", order[r.instrument],
                                                r.clinician_id != -1, r.clinician))
