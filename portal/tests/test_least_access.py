"""The least-access matrix (issue 12, rule 8), generated: every URL pattern of the portal, its
path filled with real objects, requested as each of eight roles. What each view should answer is
declared once below (EXPECTED); a view with no declaration fails, so a new page is covered the
day it is written. Strangers get 404. POSTs too: a role that may not use a page changes nothing
(a fingerprint of every table before and after)."""

from __future__ import annotations

import hashlib

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse

from clients.models import ClinicianProfile
from portal.tests.world import NOW, routes, url_for, world_build

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "owner", "stranger", "assigned", "unassigned", "coach", "admin_no_mfa",
         "admin")
LOGIN, MFA = "login", "mfa"  # a redirect to sign in / to set up two-factor


def outcome(response) -> str | int:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("account_login")):
            return LOGIN
        if location.startswith(reverse("mfa_index")):
            return MFA
        return 302
    return response.status_code


@pytest.fixture
def world(client_user, stranger, clinician, other_clinician):
    return world_build(owner=client_user, stranger=stranger, clinician=clinician)


@pytest.fixture
def as_role(client, client_user, stranger, clinician, other_clinician, admin_user,
            staff_without_mfa):
    people = {"owner": client_user, "stranger": stranger, "assigned": clinician,
              "unassigned": other_clinician, "coach": clinician,
              "admin_no_mfa": staff_without_mfa[1], "admin": admin_user}

    def sign_in(role: str):
        client.logout()
        ClinicianProfile.objects.filter(user=clinician).update(
            service_lines="coaching" if role == "coach" else "both")
        if role != "anonymous":
            client.force_login(people[role])
        return client

    return sign_in


# --- What each view answers, declared once ---------------------------------------------------
# Columns: anonymous, owner, stranger, assigned, unassigned, coach, admin without MFA, admin.
# "coach" is the owner's clinician with a profile that provides coaching only (the firewall).


def client_page(*, own_object: bool = False, get: int = 200) -> dict[str, object]:
    """A client's page: staff get a 404 (they have their own pages); with ``own_object`` the
    URL names one of the owner's objects, and the stranger gets a 404 too."""
    return dict(zip(ROLES, (LOGIN, get, 404 if own_object else get, 404, 404, 404, MFA, 404),
                    strict=True))


def clinician_page(*, about_the_client: bool = True, coach: object = 200,
                   get: int = 200) -> dict[str, object]:
    """A clinician's page: clients and admins get a 404; with ``about_the_client`` the URL names
    the owner or one of their objects, and the unassigned clinician gets a 404 too."""
    return dict(zip(ROLES, (LOGIN, 404, 404, get, 404 if about_the_client else get,
                            coach if coach != 200 else get, MFA, 404), strict=True))


EVERYONE = dict.fromkeys(ROLES, 200) | {"admin_no_mfa": MFA}

EXPECTED: dict[str, dict[str, object]] = {
    "home": EVERYONE,
    "healthz": dict.fromkeys(ROLES, 200),  # the load balancer's, before MFA too
    "readyz": dict.fromkeys(ROLES, 200),
    "screening:crisis": EVERYONE,  # help reaches anyone
    "screening:safety_followup": client_page(),  # the C-SSRS step-up after a safety answer
    "booking:feed": EVERYONE,  # the token is the secret: whoever holds it reads the feed
    "signed_out": EVERYONE,  # "signed out for your privacy"
    # Everyone's own sign-in history (staff before MFA too: it is an account page).
    "account_sign_ins": dict.fromkeys(ROLES, 200) | {"anonymous": LOGIN},
    "account_sign_out_everywhere": dict.fromkeys(ROLES, 405) | {"anonymous": LOGIN},
    "clients:consent_overview": client_page(),
    "clients:consent_signed": client_page(own_object=True),
    "clients:consent_sign": client_page(),
    "account_rights:settings": client_page(),
    "account_rights:contact": client_page(),
    "account_rights:record": client_page(),
    "account_rights:close": client_page(),
    "account_rights:access": client_page(),
    "screening:start": client_page(),
    "screening:step": client_page(),
    # The stranger has no recommendation yet: sent to the start.
    "screening:results": client_page() | {"stranger": 302},
    "screening:retake": client_page(),
    "screening:response": client_page(own_object=True),
    "booking:appointments": client_page(),
    "booking:choose_type": client_page(),
    # The therapy consultation is not offered to a coaching client who is not at risk.
    "booking:pick_time": client_page(own_object=True),
    # Without a time chosen (?start=) there is nothing to confirm.
    "booking:confirm": client_page(own_object=True, get=404),
    "booking:waitlist_join": client_page(get=405),  # POST only
    "booking:waitlist_leave": client_page(get=405),
    "booking:detail": client_page(own_object=True),
    "booking:measures": client_page(own_object=True),  # the measures before a session
    "booking:reschedule": client_page(own_object=True),
    "booking:cancel": client_page(own_object=True),
    "booking:appointment_ics": client_page(own_object=True),
    "goals:goals": client_page(),
    "goals:goal_new": client_page(),
    "goals:check_in": client_page(),
    "goals:reminders": client_page(),
    "goals:goal": client_page(own_object=True),
    "goals:goal_edit": client_page(own_object=True),
    "goals:goal_check_in": client_page(own_object=True),
    "goals:progress": client_page(),  # the client's own measures, as shared with them
    "goals:goal_status": client_page(get=405),
    "goals:step_add": client_page(get=405),
    "goals:step_done": client_page(get=405),
    # Clients and clinicians keep a calendar feed; admins have no appointments.
    "booking:calendar_feed_settings": dict(zip(ROLES, (LOGIN, 200, 200, 200, 200, 200, MFA,
                                                       404), strict=True)),
    "attention_ack": clinician_page(about_the_client=False, get=405),
    "screening:client_history": clinician_page(),  # the coach sees it without PHQ-9/GAD-7
    "screening:route_override": clinician_page(about_the_client=False, get=405),
    # Admins and clinicians; names only of clients the viewer may open.
    "screening:outcomes_report": clinician_page(about_the_client=False) | {"admin": 200},
    "screening:client_outcomes": clinician_page(),  # the coach sees it with WHO-5 only
    "screening:measure_event_add": clinician_page(about_the_client=False, get=405),
    "screening:measure_share": clinician_page(about_the_client=False, get=405),
    "screening:risk_flags": clinician_page(about_the_client=False),
    "screening:risk_flag": clinician_page(),  # safety is never behind the firewall
    "caseload:caseload": clinician_page(about_the_client=False),
    "caseload:timeline": clinician_page(),
    "booking:week": clinician_page(about_the_client=False),
    "booking:availability": clinician_page(about_the_client=False),
    "booking:exceptions": clinician_page(about_the_client=False),
    "booking:book_for_client": clinician_page(about_the_client=False),
    "booking:clinician_appointment": clinician_page(),
    "booking:measure_plan": clinician_page(),  # the coach plans the coaching line
    "goals:clinician_goals": clinician_page(),
    "goals:clinician_goal_new": clinician_page(),  # a coaching goal: the coach may set one
    "goals:clinician_goal": clinician_page(coach=404),  # a therapy goal: behind the firewall
    "goals:clinician_goal_approve": clinician_page(about_the_client=False, get=405),
    # Messages that need a person's decision: admins see all, a clinician their own clients'.
    "notifications:review": clinician_page(about_the_client=False) | {"admin": 200},
    "notifications:review_resend": clinician_page(about_the_client=False, get=405)
    | {"admin": 405},
    "notifications:review_close": clinician_page(about_the_client=False, get=405)
    | {"admin": 405},
    # Messages (issue 16). The thread in the URL is the owner's therapy thread: the stranger
    # (a coaching client) has none, and a coaching-only clinician never opens it.
    "messaging:inbox": client_page(),
    "messaging:thread": client_page(own_object=True),
    "messaging:clinician_inbox": clinician_page(about_the_client=False),
    "messaging:clinician_thread": clinician_page(coach=404),
    # Documents: the one in the URL is a therapy document Dana asked the owner to sign.
    "documents:documents": client_page(),
    "documents:sign": client_page(own_object=True),
    "documents:clinician_documents": clinician_page(),  # the coach sees the coaching ones
    "documents:download": dict(zip(ROLES, (LOGIN, 200, 404, 200, 404, 404, MFA, 404),
                                   strict=True)),
}
# POST-only pages about one object answer a GET with 405 whoever asks; these roles must still
# be refused when they POST (the object is not theirs) and change nothing.
REFUSED_ON_POST: dict[str, set[str]] = {
    "booking:waitlist_leave": {"stranger"},
    "goals:goal_status": {"stranger"},
    "goals:step_add": {"stranger"},
    "goals:step_done": {"stranger"},
    "screening:route_override": {"unassigned"},
    "screening:measure_event_add": {"unassigned"},
    "screening:measure_share": {"unassigned"},
    "goals:clinician_goal_approve": {"unassigned", "coach"},
    "notifications:review_resend": {"unassigned"},
    "notifications:review_close": {"unassigned"},
}
REFUSED = (LOGIN, MFA, 403, 404)
# What a POST carries: enough of every form's fields that a page which forgot to check who is
# asking would write something.
PAYLOAD = {"note": "A note", "text": "A note", "action": "cancel", "status": "completed",
           "phone": "3125550142", "route": "coaching", "s1": "1", "title": "A goal",
           "value": "3", "typed_name": "Alex Morgan", "understood": "on", "version": "1",
           "reason": "Moving away", "client": "x", "rule": "missed_check_ins",
           "fingerprint": "goal:1", "move-date": "2027-01-07", "move-time": "10:00",
           "body": "A message", "line": "therapy",
           "occurred_on": "2027-01-02", "instrument": "phq9", "shared": "1"}


def fingerprint() -> str:
    """Every row of every table of the project's apps (sessions aside: signing in writes one)."""
    digest = hashlib.sha256()
    for model in apps.get_models():
        if model._meta.app_label in ("sessions",):
            continue
        for row in model._default_manager.order_by("pk").values_list():
            digest.update(repr(row).encode())
    return digest.hexdigest()


def test_every_page_declares_who_may_open_it():
    names = {route.name for route in routes()}
    assert names - set(EXPECTED) == set(), "declare these views in EXPECTED"
    assert set(EXPECTED) - names == set(), "these views no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_each_role_as_declared(world, as_role, role):
    wrong = {}
    with time_machine.travel(NOW, tick=False):
        signed_in = as_role(role)
        for route in routes():
            got = outcome(signed_in.get(url_for(world, route)))
            if route.name in EXPECTED and got != EXPECTED[route.name][role]:
                wrong[route.name] = (got, EXPECTED[route.name][role])
    assert wrong == {}, "(got, expected)"


@pytest.mark.parametrize("role", ROLES)
def test_a_refused_post_changes_nothing(world, as_role, role):
    refused = [route for route in routes()
               if EXPECTED.get(route.name, {}).get(role) in REFUSED
               or role in REFUSED_ON_POST.get(route.name, set())]
    assert refused or role in ("owner",), "every role but the owner is refused somewhere"
    with time_machine.travel(NOW, tick=False):
        signed_in = as_role(role)
        before = fingerprint()
        for route in refused:
            got = outcome(signed_in.post(url_for(world, route), PAYLOAD))
            allowed = REFUSED if role in REFUSED_ON_POST.get(route.name, set()) \
                else (*REFUSED, 405)
            assert got in allowed, (route.name, got)
        assert fingerprint() == before
