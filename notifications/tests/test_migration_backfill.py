"""Rows written before notifications.keys get their scope from their old keys."""

from __future__ import annotations

from importlib import import_module

backfill = import_module("notifications.migrations.0006_backfill_scopes")

APPOINTMENT = "0f8fad5b-d9cb-469f-a165-70867728950e"
HEX = "0f8fad5bd9cb469fa16570867728950e"


def test_old_keys_give_their_scopes():
    scope_for = backfill.scope_for
    assert scope_for("appointment_reminder",
                     f"appointment-reminder:{APPOINTMENT}:2027-03-01T10:00:00+00:00:24h",
                     {}) == (f"appointment:{HEX}", None)
    assert scope_for("appointment_confirmed", f"appointment_confirmed:{APPOINTMENT}:0:4",
                     {}) == (f"appointment:{HEX}", None)
    assert scope_for("check_in_reminder", f"check-in:{APPOINTMENT}:2027-03-01", {}) == (
        f"goal:{HEX}", {"period": "2027-03-01"})
    assert scope_for("measures_invitation", "measures-invitation:7:therapy:abc", {}) == (
        "measures:7:therapy", None)
    assert scope_for("risk_alert", "risk-alert:x:3", {"flag_id": APPOINTMENT}) == (
        f"risk-flag:{HEX}", None)
    assert scope_for("check_in_reminder", "check-in:not-a-uuid:2027-03-01", {}) == ("", None)
