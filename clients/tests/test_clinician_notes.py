"""Private clinician notes: written by the client's clinician only, encrypted at rest (a
database dump alone does not reveal them), unreadable with another key, never shown to the
client, and added from the timeline with errors next to the field."""

from __future__ import annotations

import io
import zipfile

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection
from django.http import Http404
from django.urls import reverse

from clients.models import AccessLog, ClinicianNote
from clients.selectors import clinician_notes_for_clinician
from clients.services import clinician_note_add
from workspace.record import client_record_zip

pytestmark = pytest.mark.django_db

SECRET = "Client disclosed a merger that is not public yet"


@pytest.fixture(autouse=True)
def notes_key(settings) -> str:
    settings.CLINICIAN_NOTES_KEY = Fernet.generate_key().decode()
    return settings.CLINICIAN_NOTES_KEY


def url(person) -> str:
    return reverse("caseload:timeline", args=[person.public_id])


def test_add_and_read_back(client_user, clinician):
    note = clinician_note_add(client=client_user, author=clinician, text=f"  {SECRET}\r\n ")
    [read] = clinician_notes_for_clinician(clinician=clinician, client=client_user)
    assert read.text == SECRET and read.readable
    assert read.public_id == note.public_id and read.author_name == "Dana Reyes"


def test_the_column_holds_ciphertext_only(client_user, clinician, notes_key):
    note = clinician_note_add(client=client_user, author=clinician, text=SECRET)
    with connection.cursor() as cursor:
        cursor.execute("SELECT text_encrypted FROM clients_cliniciannote WHERE id = %s",
                       [note.pk])
        [raw] = cursor.fetchone()
    raw = bytes(raw)
    assert SECRET.encode() not in raw and b"merger" not in raw
    assert Fernet(notes_key.encode()).decrypt(raw).decode() == SECRET
    with pytest.raises(InvalidToken):
        Fernet(Fernet.generate_key()).decrypt(raw)


def test_a_wrong_key_cannot_read_it(client_user, clinician, settings):
    clinician_note_add(client=client_user, author=clinician, text=SECRET)
    settings.CLINICIAN_NOTES_KEY = Fernet.generate_key().decode()
    [read] = clinician_notes_for_clinician(clinician=clinician, client=client_user)
    assert not read.readable and read.text == ""


def test_rotated_keys_still_read_old_notes(client_user, clinician, settings, notes_key):
    clinician_note_add(client=client_user, author=clinician, text=SECRET)
    settings.CLINICIAN_NOTES_KEY = f"{Fernet.generate_key().decode()},{notes_key}"
    [read] = clinician_notes_for_clinician(clinician=clinician, client=client_user)
    assert read.text == SECRET


def test_no_key_is_a_configuration_error(client_user, clinician, settings):
    settings.CLINICIAN_NOTES_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        clinician_note_add(client=client_user, author=clinician, text=SECRET)


def test_only_the_assigned_clinician_writes(client_user, clinician, other_clinician,
                                            admin_user):
    for author in (other_clinician, admin_user, client_user):
        with pytest.raises(ValidationError):
            clinician_note_add(client=client_user, author=author, text=SECRET)
    with pytest.raises(ValidationError) as error:
        clinician_note_add(client=client_user, author=clinician, text="  \n ")
    assert "text" in error.value.message_dict
    assert not ClinicianNote.objects.exists()


def test_add_from_the_timeline(client, client_user, clinician):
    client.force_login(clinician)
    response = client.post(url(client_user), {"text": SECRET})
    assert response.status_code == 302
    assert response["Location"] == f"{url(client_user)}#notes-title"
    assert not AccessLog.objects.exists()  # a write, not a read; the page after it logs
    body = client.get(url(client_user)).content.decode()
    assert SECRET in body
    assert AccessLog.objects.count() == 1


def test_empty_note_shows_the_error_next_to_the_field(client, client_user, clinician):
    client.force_login(clinician)
    response = client.post(url(client_user), {"text": "   "})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Write the note." in body and 'id="id_text_error"' in body
    assert not ClinicianNote.objects.exists()
    assert AccessLog.objects.filter(what=AccessLog.What.TIMELINE).count() == 1


def test_notes_are_not_for_anyone_else(client, client_user, stranger, clinician,
                                       other_clinician):
    clinician_note_add(client=client_user, author=clinician, text=SECRET)
    client.force_login(other_clinician)
    assert client.get(url(client_user)).status_code == 404
    assert client.post(url(client_user), {"text": "x"}).status_code == 404
    client.force_login(client_user)
    for page in (reverse("home"), url(client_user)):
        assert SECRET not in client.get(page).content.decode()
    with pytest.raises(Http404):
        clinician_notes_for_clinician(clinician=other_clinician, client=client_user)
    assert ClinicianNote.objects.count() == 1


def test_notes_are_not_exported(client_user, clinician):
    clinician_note_add(client=client_user, author=clinician, text=SECRET)
    archive = zipfile.ZipFile(io.BytesIO(client_record_zip(client=client_user)))
    for name in archive.namelist():
        content = archive.read(name)
        assert b"merger" not in content and b"note" not in name.encode().lower()


def test_rotation_moves_every_note_to_the_new_key(client_user, clinician, settings, notes_key):
    from django.core.management import call_command

    for n in range(3):
        clinician_note_add(client=client_user, author=clinician, text=f"{SECRET} {n}")
    new_key = Fernet.generate_key().decode()
    settings.CLINICIAN_NOTES_KEY = f"{new_key},{notes_key}"
    call_command("rotate_notes_key", stdout=io.StringIO())
    # The old key is gone now, and every note still reads.
    settings.CLINICIAN_NOTES_KEY = new_key
    notes = clinician_notes_for_clinician(clinician=clinician, client=client_user)
    assert sorted(note.text for note in notes) == [f"{SECRET} {n}" for n in range(3)]
    for note in ClinicianNote.objects.all():
        assert Fernet(new_key).decrypt(bytes(note.text_encrypted)).startswith(SECRET.encode())
