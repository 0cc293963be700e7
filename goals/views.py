"""The goals pages.

Client: their goals in one section per service line they use (a coaching-only client never reads
a therapy word), a goal's page with its steps, check-ins, chart and the clinician's comments, the
forms to set and edit a goal, one check-in page for several goals (with the weekly WHO-5 for
coaching), and reminder settings. Clinician: one client's goals as the firewall allows (a
clinician who only coaches sees no therapy goal), one goal with a comment form, setting a goal,
approving a suggested therapy goal.

Every object comes from a selector that filters by the person asking and 404s otherwise; every
write goes through goals.services.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_http_methods, require_POST

from clients.access import client_for_staff, lines_for_staff
from clients.http import AuthenticatedRequest
from clients.models import AccessLog, User
from clients.services import access_log_record
from goals import services
from goals.charts import goal_chart, number
from goals.forms import (
    ActionStepForm,
    CheckInForm,
    CommentForm,
    ReminderHoursForm,
    StatusForm,
    Who5Form,
    form_add_service_errors,
    goal_form_class,
    goal_initial,
)
from goals.models import CheckIn, Goal, GoalStatus, ReminderPreference, ServiceLine
from goals.selectors import (
    Progress,
    goal_for_client,
    goal_for_clinician,
    goal_progress,
    goals_for_check_in,
    goals_for_client,
    goals_for_clinician,
    reminder_preference_get,
    who5_answered_recently,
)
from portal.lib.access import client_required, clinician_required
from screening.instruments import WHO5
from screening.outcome_charts import measure_chart
from screening.selectors import progress_for_client

LINE_TITLES = {
    ServiceLine.COACHING: ("Coaching goals", "Measurable goals you work towards, step by step."),
    ServiceLine.THERAPY: ("Treatment plan goals",
                          "Goals from your treatment plan and the skills you practise."),
}


# --- Shared pieces --------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalRow:
    goal: Goal
    progress: Progress
    latest: CheckIn | None  # the newest check-in

    @property
    def latest_value(self) -> str:
        if self.progress.latest_value is None:
            return ""
        return number(self.progress.latest_value)


def _rows(goals: list[Goal], preference: ReminderPreference) -> list[GoalRow]:
    rows = []
    for goal in goals:
        check_ins = goal.check_ins.all()  # prefetched, newest first
        rows.append(GoalRow(goal, goal_progress(goal, preference=preference),
                            check_ins[0] if check_ins else None))
    return rows


def _sections(rows: list[GoalRow], lines: list[str]) -> list[dict[str, Any]]:
    return [{"line": line, "title": LINE_TITLES[line][0], "lead": LINE_TITLES[line][1],
             "rows": [row for row in rows if row.goal.service_line == line]}
            for line in (ServiceLine.COACHING, ServiceLine.THERAPY) if line in lines]


def _goal_context(goal: Goal, preference: ReminderPreference) -> dict[str, Any]:
    """What both goal pages show: progress, the chart, check-ins with their comments."""
    check_ins = list(goal.check_ins.all())
    comments = list(goal.comments.all())
    by_check_in: dict[int, list] = {}
    for comment in comments:
        if comment.check_in_id:
            by_check_in.setdefault(comment.check_in_id, []).append(comment)
    return {
        "goal": goal,
        "row": GoalRow(goal, goal_progress(goal, preference=preference),
                       check_ins[0] if check_ins else None),
        "chart": goal_chart(goal, check_ins, zone=timezone.get_current_timezone()),
        "check_ins": [(check_in, by_check_in.get(check_in.pk, [])) for check_in in check_ins],
        "goal_comments": [comment for comment in comments if not comment.check_in_id],
        "steps": list(goal.steps.all()),
    }


def _save_goal_form(request: AuthenticatedRequest, form, *, goal: Goal | None = None,
                    client: User | None = None, line: str = "") -> Goal | None:
    if not form.is_valid():
        return None
    try:
        if goal is None:
            assert client is not None, "a new goal is made for a client"
            return services.goal_create(client=client, service_line=line,
                                        created_by=request.user, **form.cleaned_data)
        return services.goal_update(goal=goal, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        form_add_service_errors(form, error)
        return None


# --- Client pages ---------------------------------------------------------------------------


@client_required
def goals(request: AuthenticatedRequest) -> HttpResponse:
    client = request.user
    preference = reminder_preference_get(client)
    rows = _rows(goals_for_client(client=client), preference)
    lines = client.client_profile.lines
    return render(request, "goals/goals.html", {
        "sections": _sections(rows, lines),
        "lines": lines,
        "can_check_in": any(row.goal.status == GoalStatus.ACTIVE and not row.goal.needs_approval
                            for row in rows),
        "preference": preference,
    })


def _line_or_404(client: User, line: str) -> str:
    if line not in client.client_profile.lines:
        raise Http404("No such service line for this client.")
    return line


@client_required
@require_http_methods(["GET", "POST"])
def goal_new(request: AuthenticatedRequest, line: str) -> HttpResponse:
    line = _line_or_404(request.user, line)
    form = goal_form_class(line)(request.POST or None)
    if request.method == "POST":
        goal = _save_goal_form(request, form, client=request.user, line=line)
        if goal is not None:
            messages.success(request, "Your clinician will look at it with you and approve it."
                             if goal.needs_approval else "Goal set.")
            return redirect("goals:goal", goal_id=goal.public_id)
    return render(request, "goals/goal_form.html", {
        "form": form, "line": line, "goal": None, "back_url": reverse("goals:goals"),
    })


@client_required
@require_http_methods(["GET", "POST"])
def goal_edit(request: AuthenticatedRequest, goal_id: uuid.UUID) -> HttpResponse:
    goal = goal_for_client(client=request.user, public_id=goal_id)
    form_class = goal_form_class(goal.service_line)
    form = form_class(request.POST) if request.method == "POST" \
        else form_class(initial=goal_initial(goal))
    was_approved = goal.approved_at is not None
    if request.method == "POST" and _save_goal_form(request, form, goal=goal):
        if was_approved and goal.needs_approval:
            messages.success(request, "Goal saved. Your clinician agrees the words of a therapy "
                                      "goal with you, so it waits for their approval again.")
        else:
            messages.success(request, "Goal saved.")
        return redirect("goals:goal", goal_id=goal.public_id)
    return render(request, "goals/goal_form.html", {
        "form": form, "line": goal.service_line, "goal": goal,
        "back_url": reverse("goals:goal", args=[goal.public_id]),
    })


@client_required
def goal_detail(request: AuthenticatedRequest, goal_id: uuid.UUID) -> HttpResponse:
    goal = goal_for_client(client=request.user, public_id=goal_id)
    return _client_goal_page(request, goal)


def _client_goal_page(request: AuthenticatedRequest, goal: Goal, *,
                      step_form: ActionStepForm | None = None) -> HttpResponse:
    context = _goal_context(goal, reminder_preference_get(request.user))
    context.update({
        "step_form": step_form or ActionStepForm(),
        "status_form": StatusForm(initial={"status": goal.status}),
        "statuses": GoalStatus.choices,
    })
    return render(request, "goals/goal_detail.html", context)


@client_required
@require_POST
def step_add(request: AuthenticatedRequest, goal_id: uuid.UUID) -> HttpResponse:
    goal = goal_for_client(client=request.user, public_id=goal_id)
    form = ActionStepForm(request.POST)
    if form.is_valid():
        try:
            services.action_step_add(goal=goal, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, "Step added.")
            return redirect(reverse("goals:goal", args=[goal.public_id]) + "#steps")
    return _client_goal_page(request, goal, step_form=form)


def _step_done(request: AuthenticatedRequest, goal: Goal) -> None:
    # The step id comes from the form body and is looked up among this goal's own steps only.
    step = next((s for s in goal.steps.all() if str(s.pk) == request.POST.get("step")), None)
    if step is None:
        raise Http404("No such step.")
    services.action_step_set_done(step=step, by=request.user,
                                  done=request.POST.get("done") == "1")


@client_required
@require_POST
def step_done(request: AuthenticatedRequest, goal_id: uuid.UUID) -> HttpResponse:
    goal = goal_for_client(client=request.user, public_id=goal_id)
    _step_done(request, goal)
    return redirect(reverse("goals:goal", args=[goal.public_id]) + "#steps")


@client_required
@require_POST
def goal_status(request: AuthenticatedRequest, goal_id: uuid.UUID) -> HttpResponse:
    goal = goal_for_client(client=request.user, public_id=goal_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        services.goal_set_status(goal=goal, status=form.cleaned_data["status"], by=request.user)
        messages.success(request, f"Goal marked {goal.get_status_display().lower()}.")
    else:
        messages.error(request, "Choose one of the statuses.")
    return redirect("goals:goal", goal_id=goal.public_id)


@client_required
@require_http_methods(["GET", "POST"])
def check_in(request: AuthenticatedRequest, goal_id: uuid.UUID | None = None) -> HttpResponse:
    """Several goals on one page, each optional; what is filled in is saved together or not at
    all. With ``goal_id``, the page for that one goal (the "Check in" link of a card)."""
    client = request.user
    now = timezone.now()
    if goal_id is not None:
        every = [goal_for_client(client=client, public_id=goal_id)]
    else:
        every = goals_for_check_in(client=client)
    goals_open = [goal for goal in every
                  if goal.status == GoalStatus.ACTIVE and not goal.needs_approval]
    data = request.POST if request.method == "POST" else None
    forms = [CheckInForm(data, goal=goal) for goal in goals_open]

    # The WHO-5 goes with a coaching check-in, once a week: asked only when there is a
    # coaching goal to check in on (the same question as the service's).
    who5_form = None
    if any(goal.is_coaching for goal in goals_open) and \
            not who5_answered_recently(client=client, now=now):
        who5_form = Who5Form(data)

    problem = ""
    if request.method == "POST":
        filled = [form for form in forms if form.is_filled]
        who5_filled = who5_form is not None and who5_form.is_filled
        if not filled and not who5_filled:
            problem = "Fill in at least one goal to check in."
        elif _check_in_save(request, filled, who5_form if who5_filled else None):
            count = len(filled)
            messages.success(request, f"Thank you. {count} check-in{'s' if count != 1 else ''} "
                                      "saved.")
            return redirect("goals:goals")
        else:
            problem = "Nothing was saved yet. Correct the fields marked below and send again."
    return render(request, "goals/check_in.html", {
        "forms": forms,
        "who5_form": who5_form,
        "who5_blank": _who5_blank() if who5_form is not None and not who5_form.is_bound
        else None,
        "problem": problem,
        "single": goal_id is not None,
    })


@cache
def _who5_blank_cached(version: str) -> SafeString:
    return render_to_string("goals/_who5.html", {"who5_form": Who5Form()})


def _who5_blank() -> SafeString:
    """The WHO-5 questions left blank, as the check-in page shows them on a GET: thirty radio
    buttons whose markup holds nothing of the person (the same questions, names and ids for
    everyone), rendered once per process and version instead of on every page (they were a
    third of the page's time). A sent form (answers, errors) is rendered afresh. Under DEBUG
    every page renders it, so a template edit shows at once."""
    if settings.DEBUG:
        return render_to_string("goals/_who5.html", {"who5_form": Who5Form()})
    return _who5_blank_cached(WHO5.version)


def _check_in_save(request: AuthenticatedRequest, filled: list[CheckInForm],
                   who5_form: Who5Form | None) -> bool:
    valid = all([form.is_valid() for form in filled])
    answers = None
    if who5_form is not None:
        valid = who5_form.is_valid() and valid
        answers = getattr(who5_form, "answers", None)
        if not any(form.goal.is_coaching for form in filled):
            who5_form.add_error(None, "Check in on a coaching goal to send these answers "
                                      "with it.")
            valid = False
    if not valid:
        return False
    try:
        services.check_ins_record_many(
            by=request.user, who5_answers=answers,
            entries=[(form.goal, form.service_kwargs()) for form in filled])
    except services.CheckInsRefused as refused:
        for form in filled:
            error = refused.errors.get(form.goal.pk)
            if error is None:
                continue
            target = who5_form if (who5_form is not None and hasattr(error, "error_dict")
                                   and "who5" in error.error_dict) else form
            form_add_service_errors(target, error)
        return False
    return True


@client_required
@require_http_methods(["GET", "POST"])
def reminders(request: AuthenticatedRequest) -> HttpResponse:
    client = request.user
    preference = reminder_preference_get(client)
    form = ReminderHoursForm(initial={"quiet_start": preference.quiet_start,
                                      "quiet_end": preference.quiet_end})
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "pause":
            until = timezone.localdate() + timedelta(days=7)
            services.reminders_pause(client=client, until=until)
            messages.success(request, "Reminders are paused for a week.")
            return redirect("goals:reminders")
        if action == "resume":
            services.reminders_pause(client=client, until=None)
            messages.success(request, "Reminders are back on.")
            return redirect("goals:reminders")
        form = ReminderHoursForm(request.POST)
        if form.is_valid():
            services.reminder_preference_update(client=client, **form.cleaned_data)
            messages.success(request, "Quiet hours saved.")
            return redirect("goals:reminders")
    today = timezone.localdate()
    return render(request, "goals/reminders.html", {
        "form": form,
        "paused": preference.paused_until is not None and preference.paused_until > today,
        "preference": preference,
    })


# --- Clinician pages ------------------------------------------------------------------------


def _clinician_lines(clinician: User, client: User) -> list[str]:
    """The lines the clinician may set goals in for this client: ones the client uses, and
    therapy only if the clinician provides it."""
    seen = lines_for_staff(clinician)
    return [line for line in client.client_profile.lines if line in seen]


@clinician_required
def clinician_goals(request: AuthenticatedRequest, client_id: uuid.UUID) -> HttpResponse:
    client = client_for_staff(request=request, public_id=client_id, what=AccessLog.What.GOALS)
    goals_list = goals_for_clinician(clinician=request.user, client=client)
    preference = reminder_preference_get(client)
    lines = _clinician_lines(request.user, client)
    rows = _rows(goals_list, preference)
    return render(request, "goals/clinician_goals.html", {
        "client": client,
        "sections": [{"line": line,
                      "title": "Coaching goals" if line == ServiceLine.COACHING
                      else "Therapy goals (treatment plan)",
                      "rows": [row for row in rows if row.goal.service_line == line]}
                     for line in (ServiceLine.COACHING, ServiceLine.THERAPY) if line in lines],
    })


@clinician_required
@require_http_methods(["GET", "POST"])
def clinician_goal_new(request: AuthenticatedRequest, client_id: uuid.UUID,
                       line: str) -> HttpResponse:
    client = client_for_staff(request=request, public_id=client_id, what=AccessLog.What.GOALS)
    if line not in _clinician_lines(request.user, client):
        raise Http404("No such service line.")
    form = goal_form_class(line)(request.POST or None)
    form.fields["check_in_time"].help_text = (
        f"The client's local time ({client.time_zone}). Reminders come then, outside their "
        "quiet hours.")
    if request.method == "POST":
        goal = _save_goal_form(request, form, client=client, line=line)
        if goal is not None:
            messages.success(request, f"Goal set for {client.full_name or client.email}.")
            return redirect("goals:clinician_goal", goal_id=goal.public_id)
    return render(request, "goals/goal_form.html", {
        "form": form, "line": line, "goal": None, "client": client,
        "back_url": reverse("goals:clinician_goals", args=[client.public_id]),
    })


@clinician_required
@require_http_methods(["GET", "POST"])
def clinician_goal(request: AuthenticatedRequest, goal_id: uuid.UUID) -> HttpResponse:
    """One goal with its check-ins, chart and comments; POST adds a comment."""
    goal = goal_for_clinician(clinician=request.user, public_id=goal_id)
    check_ins = list(goal.check_ins.all())
    form = CommentForm(request.POST or None, check_ins=check_ins,
                       initial={"about": request.GET.get("check_in", "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_add(goal=goal, author=request.user, text=form.cleaned_data["text"],
                                 check_in=form.cleaned_data["about"])
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, "Comment added. The client is told there is something "
                                      "new to read.")
            return redirect("goals:clinician_goal", goal_id=goal.public_id)
    context = _goal_context(goal, reminder_preference_get(goal.client))
    context.update({"client": goal.client, "comment_form": form})
    access_log_record(request=request, client=goal.client, what=AccessLog.What.GOAL,
                      detail=str(goal.public_id))
    return render(request, "goals/clinician_goal.html", context)


@clinician_required
@require_POST
def clinician_goal_approve(request: AuthenticatedRequest, goal_id: uuid.UUID) -> HttpResponse:
    goal = goal_for_clinician(clinician=request.user, public_id=goal_id)
    try:
        services.goal_approve(goal=goal, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"“{goal.title}” is approved; check-ins and reminders start.")
    return redirect("goals:clinician_goals", client_id=goal.client.public_id)


# --- The client's progress page (issue 17) --------------------------------------------------


@client_required
def progress(request: AuthenticatedRequest) -> HttpResponse:
    """The client's own measures in plain words (rule 3: no severity word, no threshold), each
    only if their clinician shares it, with their coaching goals' progress beside well-being."""
    client = request.user
    zone = client.zone
    measures = [
        (measure, measure_chart(measure.values, rules=measure.rules,
                                title=f"{measure.client_title}: your answers over time",
                                zone=zone, for_client=True,
                                description=_progress_description(measure)))
        for measure in progress_for_client(client=client)]
    preference = reminder_preference_get(client)
    coaching = [row for row in _rows(goals_for_client(client=client), preference)
                if row.goal.service_line == ServiceLine.COACHING
                and row.goal.status == GoalStatus.ACTIVE]
    return render(request, "goals/progress.html", {
        "measures": measures,
        "coaching_rows": coaching,
        # Beside well-being when it is shown; on their own otherwise.
        "goals_apart": bool(coaching) and not any(m.code == "who5" for m, _ in measures),
    })


def _progress_description(measure) -> str:
    higher = ("Higher means you are feeling better." if not measure.rules.higher_is_worse
              else "Lower means fewer difficulties.")
    return (f"{len(measure.values)} answers, from {measure.baseline} to {measure.latest}. "
            f"{higher}")
