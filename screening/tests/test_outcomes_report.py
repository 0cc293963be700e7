"""The practice's outcomes report (issue 17): the figures per line and clinician, names only
of clients the viewer may open, the firewall, CSV, bad periods, and constant queries."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import AccessLog, ClinicianProfile
from screening.services import screening_submit_many
from screening.tests.test_outcomes_pages import phq9, who5

pytestmark = pytest.mark.django_db
URL = reverse("screening:outcomes_report")


def course(person, *, phq9_totals=(), who5_raws=(), weeks_ago: int = 10) -> None:
    """One answer a week, ending this week."""
    start = timezone.now() - timedelta(weeks=weeks_ago)
    for week, total in enumerate(phq9_totals):
        screening_submit_many(client=person, answers_by_instrument={"phq9": phq9(total)},
                              submitted_at=start + timedelta(weeks=week * weeks_ago
                                                             // max(1, len(phq9_totals) - 1)))
    for week, raw in enumerate(who5_raws):
        screening_submit_many(client=person, answers_by_instrument={"who5": who5(raw)},
                              submitted_at=start + timedelta(weeks=week * weeks_ago
                                                             // max(1, len(who5_raws) - 1)))


@pytest.fixture
def practice(client_user, stranger, make_client, clinician, other_clinician):
    """Dana's: Alex 18 → 8 (reliably recovered), Casey 12 → 20 (deteriorated), Drew 14 → 12
    (no reliable change), Eli with a baseline only. Sam's: the stranger's WHO-5 40 % → 64 %."""
    course(client_user, phq9_totals=(18, 12, 8))
    casey = make_client(clinician=clinician, full_name="Casey Doe")
    course(casey, phq9_totals=(12, 20))
    drew = make_client(clinician=clinician, full_name="Drew Roe")
    course(drew, phq9_totals=(14, 12))
    course(make_client(clinician=clinician, full_name="Eli Poe"), phq9_totals=(15,))
    stranger_down = make_client(clinician=other_clinician, full_name="Fran Moe")
    course(stranger_down, phq9_totals=(5, 15))
    course(stranger, who5_raws=(10, 16))
    return {"casey": casey, "drew": drew, "fran": stranger_down}


def rows_of(page) -> list[tuple]:
    return [(row.line, row.clinician, row.instrument, row.measured, row.improved_pct,
             row.recovered_pct, row.deteriorated_pct, row.mean_change)
            for row, _ in page.context["rows"]]


def test_the_figures_per_line_and_clinician(client, practice, clinician):
    client.force_login(clinician)
    page = client.get(URL)
    assert page.status_code == 200
    rows = rows_of(page)
    # Therapy, PHQ-9: all five measured clients (Eli has only a baseline), then per clinician.
    assert ("therapy", "All clinicians", "phq9", 4, 25.0, 33.3, 50.0, 1.5) in rows
    assert ("therapy", "Dana Reyes", "phq9", 3, 33.3, 33.3, 33.3, -1.3) in rows
    assert ("therapy", "Sam Okafor", "phq9", 1, 0.0, None, 100.0, 10.0) in rows
    assert ("coaching", "Sam Okafor", "who5", 1, 100.0, 100.0, 0.0, 24.0) in rows


def test_names_only_of_clients_the_viewer_may_open(client, practice, clinician, admin_user):
    client.force_login(clinician)
    body = client.get(URL).content.decode()
    assert "Casey Doe" in body and "Fran Moe" not in body
    assert list(AccessLog.objects.filter(detail="outcomes report")
                .values_list("client__full_name", flat=True)) == ["Casey Doe"]
    client.force_login(admin_user)
    page = client.get(URL)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Casey Doe" not in body and "Fran Moe" not in body and "Sam Okafor" in body


def test_a_coaching_only_clinician_sees_the_coaching_line_only(client, practice, clinician):
    ClinicianProfile.objects.filter(user=clinician).update(service_lines="coaching")
    client.force_login(clinician)
    page = client.get(URL)
    body = page.content.decode()
    assert {row[2] for row in rows_of(page)} == {"who5"}
    assert "PHQ-9" not in body and "Casey Doe" not in body


def test_the_csv_download(client, practice, clinician):
    clinician.full_name = "=HYPERLINK(1)"
    clinician.save(update_fields=["full_name"])
    client.force_login(clinician)
    today = timezone.localdate(timezone=clinician.zone)
    page = client.get(URL, {"start": (today - timedelta(days=365)).isoformat(),
                            "end": today.isoformat(), "format": "csv"})
    assert page["Content-Type"].startswith("text/csv")
    assert "attachment" in page["Content-Disposition"]
    table = list(csv.reader(io.StringIO(page.content.decode())))
    assert table[0][:4] == ["service line", "clinician", "measure", "clients measured"]
    assert ["therapy", "'=HYPERLINK(1)", "PHQ-9", "3", "33.3", "33.3", "33.3", "-1.3"] in table
    assert not any("Casey" in cell for line in table for cell in line)


def test_a_period_leaves_out_answers_after_it(client, practice, clinician):
    client.force_login(clinician)
    today = timezone.localdate(timezone=clinician.zone)
    page = client.get(URL, {"start": (today - timedelta(days=400)).isoformat(),
                            "end": (today - timedelta(weeks=9)).isoformat()})
    # Ten weeks ago only baselines: nobody measured yet.
    assert page.context["rows"] == []
    assert "No one measured in this period" in page.content.decode()


@pytest.mark.parametrize(("start", "end", "field"), [
    ("2026-05-01", "2026-04-01", "end"), ("2001-01-01", "2026-01-01", "end"),
    ("nonsense", "2026-01-01", "start"), ("1890-01-01", "1890-02-01", "start"),
])
def test_a_bad_period_is_refused_beside_its_field(client, clinician, start, end, field):
    client.force_login(clinician)
    page = client.get(URL, {"start": start, "end": end})
    assert page.status_code == 200
    assert field in page.context["form"].errors
    assert 'class="field__errors"' in page.content.decode()


# The report: 1. session with user  2. MFA check  3. the clinician's profile (the firewall)
# 4. every outcome answer of the clients answered in the period  5. the clinicians' names
# 6. which deteriorated clients the viewer may open  7. those clients  8. their access-log
# rows (one INSERT)
REPORT_QUERIES = 8


def test_the_report_costs_the_same_at_two_sizes(client, practice, clinician, make_client,
                                                other_clinician, django_assert_num_queries):
    client.force_login(clinician)
    with django_assert_num_queries(REPORT_QUERIES):
        client.get(URL)
    for n in range(12):
        person = make_client(clinician=clinician if n % 2 else other_clinician)
        course(person, phq9_totals=(20, 10 + n % 5, 4 + n), who5_raws=(8, 12 + n % 3))
    with django_assert_num_queries(REPORT_QUERIES):
        page = client.get(URL)
    assert rows_of(page)[0][3] == 16
