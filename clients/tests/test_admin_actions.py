"""The practice admin's record tools in Django admin (issue 6): exporting one client's record as
the ZIP the client downloads, and reading clinicians' private notes, each read written to the
access log (rule 8); practice admins only."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.urls import reverse

from clients.models import AccessLog, ClinicianNote
from clients.services import clinician_note_add
from goals.services import action_step_add, check_in_record, comment_add, goal_create
from screening.services import screening_submit_many
from screening.tests.conftest import full_set
from sessions.services import appointment_book
from sessions.tests.conftest import service_type, sign_consent
from workspace.record import CSV_TABLES, client_record_data

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)
SECRET = "Client disclosed a merger that is not public yet"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def record(client_user, clinician, stranger):
    """Something in every part of client_user's record, and a stranger's that must not leak."""
    sign_consent(client_user, "privacy")
    screening_submit_many(client=client_user, answers_by_instrument=full_set())
    screening_submit_many(client=stranger, answers_by_instrument=full_set())
    appointment_book(client=client_user, clinician=clinician,
                     service_type=service_type("therapy-consultation"),
                     start=NOW + timedelta(days=2, hours=1), by=clinician)
    goal = goal_create(client=client_user, service_line="coaching", created_by=client_user,
                       title="Walk", metric="steps", unit="steps", baseline=Decimal(1),
                       target=Decimal(9), direction="up", cadence="daily")
    action_step_add(goal=goal, by=client_user, text="Shoes")
    entry = check_in_record(goal=goal, by=client_user, value=Decimal(3))
    comment_add(goal=goal, author=clinician, text="Nice", check_in=entry)
    return client_user


def messages_of(response) -> list[str]:
    """The messages of a refused action, read from the list page it redirects to."""
    assert response.status_code == 302
    page = response.client.get(response["Location"])
    return [str(message) for message in page.context["messages"]]


# --- Export client record -------------------------------------------------------------------

USERS = "admin:clients_user_changelist"
PROFILES = "admin:clients_clientprofile_changelist"


def export(admin_client, url_name: str, *pks: int):
    return admin_client.post(reverse(url_name), {
        "action": "export_record", "_selected_action": [str(pk) for pk in pks], "index": "0",
    })


def test_export_returns_the_clients_own_zip_and_logs_one_row(admin_client, admin_user, record):
    response = export(admin_client, USERS, record.pk)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == \
        'attachment; filename="tandem-record-alex-morgan-2027-03-01.zip"'
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(archive.namelist()) == {"README.txt", "record.json", "appointments.ics",
                                       *CSV_TABLES}
    data = json.loads(archive.read("record.json"))
    assert data == client_record_data(client=record)
    assert data["profile"]["email"] == "client@example.com"
    assert len(data["screenings"]) == 5 and len(data["appointments"]) == 1
    assert [goal["title"] for goal in data["goals"]] == ["Walk"]
    [row] = AccessLog.objects.all()
    assert (row.by, row.client, row.what, row.path) == (
        admin_user, record, AccessLog.What.EXPORT, reverse(USERS))
    assert row.get_what_display() == "Record export"


def test_export_from_the_client_profile_list(admin_client, admin_user, record):
    response = export(admin_client, PROFILES, record.client_profile.pk)
    assert response.status_code == 200
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("record.json"))
    assert data["profile"]["full_name"] == "Alex Morgan"
    [row] = AccessLog.objects.all()
    assert (row.by, row.client, row.what) == (admin_user, record, AccessLog.What.EXPORT)


def test_export_refuses_several_clients(admin_client, record, stranger):
    response = export(admin_client, USERS, record.pk, stranger.pk)
    assert response["Location"] == reverse(USERS)
    assert messages_of(response) == ["Select exactly one client to export their record."]
    response = export(admin_client, PROFILES, record.client_profile.pk,
                      stranger.client_profile.pk)
    assert messages_of(response) == ["Select exactly one client to export their record."]
    # Nothing was exported (the change list shown again logs its names, as every list does).
    assert not AccessLog.objects.filter(what=AccessLog.What.EXPORT).exists()


def test_export_refuses_staff_accounts(admin_client, clinician, admin_user):
    for person in (clinician, admin_user):
        response = export(admin_client, USERS, person.pk)
        assert messages_of(response) == [
            f"{person} is not a client account: only a client's record can be exported."]
    assert not AccessLog.objects.exists()


def test_export_costs_a_fixed_number_of_queries(admin_client, record,
                                                django_assert_num_queries):
    # 1. session with user  2. MFA check  3. COUNT of the filtered and 4. of all users (the
    # changelist is built before the action runs)  5. the selected users (at most two)
    # 6.–19. the record (workspace/tests/test_record_export.py: appointments with their
    # changes, profile, consents, screenings, recommendations with their responses, flags,
    # goals with their steps, check-ins, comments, messages, shared documents)
    # 20. the access-log row
    with django_assert_num_queries(20):
        assert export(admin_client, USERS, record.pk).status_code == 200


# --- Clinician notes --------------------------------------------------------------------------


@pytest.fixture
def note(client_user, clinician) -> ClinicianNote:
    return clinician_note_add(client=client_user, author=clinician, text=f"{SECRET}\nLine two")


def ciphertext(note: ClinicianNote) -> str:
    note.refresh_from_db()
    return bytes(note.text_encrypted).decode()  # a Fernet token is URL-safe base64 text


def test_note_list_and_page_never_show_the_ciphertext(admin_client, note):
    token = ciphertext(note)
    changelist = reverse("admin:clients_cliniciannote_changelist")
    page = reverse("admin:clients_cliniciannote_change", args=[note.pk])
    pages = {
        "list": admin_client.get(changelist).content.decode(),
        "search": admin_client.get(changelist, {"q": "Alex"}).content.decode(),
        "filtered": admin_client.get(changelist, {"author__id__exact": note.author_id}
                                     ).content.decode(),
        "page": admin_client.get(page).content.decode(),
    }
    for name, body in pages.items():
        assert token not in body and token[:24] not in body, name
        assert "text_encrypted" not in body and "Text encrypted" not in body, name
    assert "Alex Morgan" in pages["list"] and "Dana Reyes" in pages["list"]
    assert "Alex Morgan" in pages["search"]
    assert SECRET not in pages["list"]  # the list shows who and when, not what
    assert f"{SECRET}<br>Line two" in pages["page"]
    # The ciphertext is not searchable: a piece of it finds nothing.
    searched = admin_client.get(changelist, {"q": token[10:30]})
    assert searched.context["cl"].result_count == 0


def test_note_search_by_client_email(admin_client, note, stranger, other_clinician):
    clinician_note_add(client=stranger, author=other_clinician, text="Other")
    response = admin_client.get(reverse("admin:clients_cliniciannote_changelist"),
                                {"q": "client@example.com"})
    assert [row.pk for row in response.context["cl"].result_list] == [note.pk]


def test_each_view_of_a_note_writes_one_row(admin_client, admin_user, note, client_user):
    url = reverse("admin:clients_cliniciannote_change", args=[note.pk])
    admin_client.get(reverse("admin:clients_cliniciannote_changelist"))
    # The list shows no note text, only whose notes: a "list" row, no "note" row.
    assert list(AccessLog.objects.values_list("client", "what")) == [
        (client_user.pk, AccessLog.What.LIST)]
    notes_read = AccessLog.objects.filter(what=AccessLog.What.NOTE)
    for count in (1, 2):
        assert admin_client.get(url).status_code == 200
        assert notes_read.count() == count
        row = notes_read.first()
        assert (row.by, row.client, row.what, row.path) == (
            admin_user, client_user, AccessLog.What.NOTE, url)


def test_a_note_under_an_old_key_says_so(admin_client, note, settings):
    settings.CLINICIAN_NOTES_KEY = Fernet.generate_key().decode()
    body = admin_client.get(reverse("admin:clients_cliniciannote_change",
                                    args=[note.pk])).content.decode()
    assert "cannot be read with the key configured now" in body and SECRET not in body


def test_notes_cannot_be_added_changed_or_deleted(admin_client, note):
    page = admin_client.get(reverse("admin:clients_cliniciannote_change", args=[note.pk]))
    body = page.content.decode()
    assert 'name="_save"' not in body and "Delete" not in body
    assert admin_client.get(reverse("admin:clients_cliniciannote_add")).status_code == 403
    assert admin_client.get(reverse("admin:clients_cliniciannote_delete",
                                    args=[note.pk])).status_code == 403
    assert admin_client.post(reverse("admin:clients_cliniciannote_change", args=[note.pk]),
                             {"author": note.client_id}).status_code == 403
    response = admin_client.get(reverse("admin:clients_cliniciannote_changelist"))
    assert "delete_selected" not in response.content.decode()
    note.refresh_from_db()
    assert note.author.email == "clinician@example.com"


@pytest.mark.parametrize("notes", [1, 6])
def test_note_list_has_a_fixed_query_count(admin_client, make_client, clinician, notes,
                                           django_assert_num_queries):
    for _ in range(notes):
        clinician_note_add(client=make_client(clinician=clinician), author=clinician,
                           text=SECRET)
    # 1. session with user  2. MFA check  3. COUNT of the filtered rows (no full COUNT:
    # show_full_result_count is off)  4. the page of notes with client and author
    # 5. the authors for the author filter  6. first and last date, and 7. the distinct days,
    # for the date hierarchy  8. the access-log rows of the clients listed
    with django_assert_num_queries(8):
        assert admin_client.get(
            reverse("admin:clients_cliniciannote_changelist")).status_code == 200


def test_note_page_has_a_fixed_query_count(admin_client, note, django_assert_num_queries):
    url = reverse("admin:clients_cliniciannote_change", args=[note.pk])
    # The first view in a process also reads the note's content type (Django keeps it after):
    # the count pinned is every view after that, whatever ran before this test.
    assert admin_client.get(url).status_code == 200
    # 1. session with user  2. MFA check  3. the note with its client and author (the page)
    # 4. the access-log row (clients.admin_access reads the client from the page's note)
    with django_assert_num_queries(4):
        assert admin_client.get(url).status_code == 200


# --- Practice admins only -----------------------------------------------------------------------


def test_clinicians_and_clients_get_403(client, clinician, client_user, note):
    pages = [
        reverse("admin:clients_cliniciannote_changelist"),
        reverse("admin:clients_cliniciannote_change", args=[note.pk]),
    ]
    for person in (clinician, client_user):
        client.force_login(person)
        for url in pages:
            assert client.get(url, follow=True).status_code == 403, url
        for url_name, pk in ((USERS, client_user.pk),
                             (PROFILES, client_user.client_profile.pk)):
            response = client.post(reverse(url_name), {
                "action": "export_record", "_selected_action": [str(pk)], "index": "0",
            }, follow=True)
            assert response.status_code == 403
            assert response["Content-Type"].startswith("text/html")
    assert not AccessLog.objects.exists()
