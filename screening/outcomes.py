"""What a change in a score means (rule 10 of DESIGN.md): reliable or not, recovered or not.

Pure functions over two totals, the baseline (a client's first answers to an instrument) and the
latest. Published, fixed thresholds first: the practice has no norms of its own yet. Each one
with its source:

| instrument | caseness | reliable change | response | remission |
| --- | --- | --- | --- | --- |
| PHQ-9 (0–27) | ≥ 10 | ≥ 6 points | ≥ 50 % drop from a baseline ≥ 10 | < 5 |
| GAD-7 (0–21) | ≥ 8 | ≥ 4 points | ≥ 50 % drop from a baseline ≥ 8 | < 5 |
| WHO-5 (0–100) | ≤ 50 | ≥ 10 points | — | — |
| PCL-5 (0–80) | ≥ 33 | ≥ 10 points | — | — |

- PHQ-9 and GAD-7 caseness and reliable change: NHS England, *NHS Talking Therapies for
  anxiety and depression Manual* (v7, 2024), "Measuring recovery, reliable improvement and
  reliable recovery" (PHQ-9 caseness ≥ 10, reliable change 6; GAD-7 caseness ≥ 8, reliable
  change 4). Remission < 5 and response ≥ 50 %: Kroenke, Spitzer & Williams 2001 (PHQ-9 bands;
  "minimal" below 5) and the response/remission convention of the MBC literature (e.g.
  McMillan, Gilbody & Richards 2010), applied to GAD-7 with its own caseness.
- WHO-5 on its 0–100 scale: ≤ 50 indicates poor well-being and a change of 10 percentage points
  is clinically relevant (Topp, Østergaard, Søndergaard & Bech 2015, *Psychother Psychosom* 84:
  167–176; Psychiatric Research Unit, WHO Collaborating Centre, "WHO-5 Well-Being Index").
- PCL-5: provisional PTSD at 31–33 (Bovin et al. 2016, *Psychol Assess* 28: 1379–1391; US
  National Center for PTSD, "Using the PTSD Checklist for DSM-5"); Tandem takes the top of that
  range, 33, so "recovered" is not claimed early; a change of 10 points is the reliable change
  the National Center for PTSD gives (5–10 reliable, 10–20 clinically meaningful).

Recovered: the baseline at caseness and the latest out of it. Reliably recovered: recovered and
a reliable improvement. Deteriorated: a reliable change in the worse direction. A rule the table
does not have for an instrument is False.

Once the practice has 30 baselines of an instrument, the Jacobson–Truax reliable change index is
computed as well (Jacobson & Truax 1991, *J Consult Clin Psychol* 59: 12–19) from the practice's
own baseline SD and the instrument's published reliability (PHQ-9 α = .89, Kroenke et al. 2001;
GAD-7 α = .92, Spitzer et al. 2006; PCL-5 α = .94, Blevins et al. 2015). It is shown beside the
fixed threshold, never instead of it: ``outcome_for`` never reads it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

IMPROVED = "improved"
DETERIORATED = "deteriorated"
NO_RELIABLE_CHANGE = "no_reliable_change"

# Jacobson & Truax 1991: the change is reliable when |RC| exceeds 1.96 (p < .05, two-sided).
RCI_CRITICAL = 1.96
# Baselines the practice needs before its own SD is used (the rule).
RCI_MIN_BASELINES = 30


@dataclass(frozen=True)
class Rules:
    code: str
    title: str
    minimum: int
    maximum: int
    caseness: int  # the threshold value itself counts as caseness
    higher_is_worse: bool
    reliable_change: int
    # Response: a drop of at least half from a baseline at caseness (None: no rule).
    has_response: bool = False
    remission_below: int | None = None
    reliability: float | None = None  # Cronbach's α, for the Jacobson–Truax index
    source: str = ""

    def at_caseness(self, total: int) -> bool:
        return total >= self.caseness if self.higher_is_worse else total <= self.caseness

    def improvement(self, baseline: int, latest: int) -> int:
        """Points better (positive) or worse (negative), whichever way the scale runs."""
        return baseline - latest if self.higher_is_worse else latest - baseline


RULES: dict[str, Rules] = {
    rules.code: rules for rules in (
        Rules("phq9", "PHQ-9", 0, 27, caseness=10, higher_is_worse=True, reliable_change=6,
              has_response=True, remission_below=5, reliability=0.89,
              source="NHS Talking Therapies Manual (2024); Kroenke et al. 2001"),
        Rules("gad7", "GAD-7", 0, 21, caseness=8, higher_is_worse=True, reliable_change=4,
              has_response=True, remission_below=5, reliability=0.92,
              source="NHS Talking Therapies Manual (2024); Spitzer et al. 2006"),
        Rules("who5", "WHO-5", 0, 100, caseness=50, higher_is_worse=False, reliable_change=10,
              source="Topp et al. 2015"),
        Rules("pcl5", "PCL-5", 0, 80, caseness=33, higher_is_worse=True, reliable_change=10,
              reliability=0.94,
              source="Bovin et al. 2016; National Center for PTSD; Blevins et al. 2015"),
    )
}
OUTCOME_INSTRUMENTS: tuple[str, ...] = tuple(RULES)


@dataclass(frozen=True)
class Outcome:
    instrument: str
    baseline: int
    latest: int
    change: str  # IMPROVED, DETERIORATED or NO_RELIABLE_CHANGE
    recovered: bool
    reliably_recovered: bool
    response: bool
    remission: bool

    @property
    def points(self) -> int:
        """Latest minus baseline, on the instrument's own scale."""
        return self.latest - self.baseline

    @property
    def label(self) -> str:
        """For clinicians: the strongest statement that holds."""
        if self.reliably_recovered:
            return "Reliably recovered"
        if self.change == IMPROVED:
            return "Reliable improvement"
        if self.change == DETERIORATED:
            return "Reliable deterioration"
        if self.recovered:
            return "Recovered (change not reliable)"
        return "No reliable change"

    @property
    def tone(self) -> str:
        return {IMPROVED: "success", DETERIORATED: "danger"}.get(self.change, "neutral")

    @property
    def for_client(self) -> str:
        """In plain words, without a severity word (rule 3)."""
        if self.change == IMPROVED:
            return "Your answers show a real improvement since you started."
        if self.change == DETERIORATED:
            return ("Your answers show things have been harder lately than when you started. "
                    "Your clinician sees this too and can talk it through with you.")
        return "Your answers are about the same as when you started."


def rules_for(instrument: str) -> Rules:
    try:
        return RULES[instrument]
    except (KeyError, TypeError):
        raise ValueError(f"No outcome rules for {instrument!r}.") from None


def _check(rules: Rules, name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{rules.title} {name} must be a whole number, not {value!r}.")
    if not rules.minimum <= value <= rules.maximum:
        raise ValueError(f"{rules.title} {name} {value} is outside "
                         f"{rules.minimum}–{rules.maximum}.")


def outcome_for(*, instrument: str, baseline: int, latest: int) -> Outcome:
    """The outcome from a baseline to the latest total by the fixed, published thresholds
    (module docstring). WHO-5 on its 0–100 scale. Raises ValueError for an unknown instrument
    or a total outside the scale."""
    rules = rules_for(instrument)
    _check(rules, "baseline", baseline)
    _check(rules, "latest", latest)
    better = rules.improvement(baseline, latest)
    if better >= rules.reliable_change:
        change = IMPROVED
    elif -better >= rules.reliable_change:
        change = DETERIORATED
    else:
        change = NO_RELIABLE_CHANGE
    recovered = rules.at_caseness(baseline) and not rules.at_caseness(latest)
    # A drop of at least half, in whole numbers: 2 × drop ≥ baseline.
    response = (rules.has_response and rules.at_caseness(baseline)
                and 2 * (baseline - latest) >= baseline)
    remission = rules.remission_below is not None and latest < rules.remission_below
    return Outcome(instrument=instrument, baseline=baseline, latest=latest, change=change,
                   recovered=recovered, reliably_recovered=recovered and change == IMPROVED,
                   response=response, remission=remission)


@dataclass(frozen=True)
class ReliableChangeIndex:
    """The Jacobson–Truax index from the practice's own baselines, shown beside the fixed
    threshold."""

    rc: float
    reliable: bool
    change: str  # IMPROVED, DETERIORATED or NO_RELIABLE_CHANGE
    points_needed: float  # the smallest change that is reliable at this SD
    baselines: int
    sd: float


def standard_error(*, sd: float, reliability: float) -> float:
    """SE = SD₁ · √(1 − r)."""
    return sd * math.sqrt(1 - reliability)


def reliable_change_index(*, instrument: str, baseline: int, latest: int, baseline_sd: float,
                          baselines: int) -> ReliableChangeIndex | None:
    """RC = (x₂ − x₁) / √(2·SE²), reliable when |RC| > 1.96; None while the practice has fewer
    than 30 baselines, for an instrument without a published reliability, or with no spread
    (SD 0)."""
    rules = rules_for(instrument)
    if rules.reliability is None or baselines < RCI_MIN_BASELINES or not baseline_sd > 0:
        return None
    _check(rules, "baseline", baseline)
    _check(rules, "latest", latest)
    s_diff = math.sqrt(2 * standard_error(sd=baseline_sd, reliability=rules.reliability) ** 2)
    rc = (latest - baseline) / s_diff
    reliable = abs(rc) > RCI_CRITICAL
    better = rules.improvement(baseline, latest)
    change = NO_RELIABLE_CHANGE if not reliable else (IMPROVED if better > 0 else DETERIORATED)
    return ReliableChangeIndex(rc=round(rc, 2), reliable=reliable, change=change,
                               points_needed=round(RCI_CRITICAL * s_diff, 1),
                               baselines=baselines, sd=round(baseline_sd, 2))


# Which measures a client sees on their own progress page until their clinician says otherwise:
# their well-being, yes; the clinical measures only once the clinician shares them (the number
# needs a conversation first).
SHARED_BY_DEFAULT: dict[str, bool] = {"who5": True, "phq9": False, "gad7": False, "pcl5": False}
