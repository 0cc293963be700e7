"""Messages and shared documents are part of the client's record export (issue 16)."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from documents.services import document_share, document_sign
from documents.tests.conftest import PDF, upload
from messaging.services import message_send
from workspace.record import client_record_zip

pytestmark = pytest.mark.django_db


def test_the_record_holds_every_message_and_document(alex, clinician):
    message_send(sender=alex, client=alex, service_line="therapy", body="=cmd|' /C calc'!A0")
    message_send(sender=clinician, client=alex, service_line="coaching", body="Your plan")
    document = document_share(by=clinician, client=alex, file=upload("plan.pdf", PDF),
                              title="Coaching plan", service_line="coaching",
                              signature_requested=True)
    document_sign(client=alex, document=document, typed_name="Alex Morgan", understood=True,
                  ip_address=None, user_agent="")
    archive = zipfile.ZipFile(io.BytesIO(client_record_zip(client=alex)))
    data = json.loads(archive.read("record.json"))
    assert [m["body"] for m in data["messages"]] == ["=cmd|' /C calc'!A0", "Your plan"]
    [row] = data["documents"]
    assert row["title"] == "Coaching plan" and row["signed_typed_name"] == "Alex Morgan"
    assert archive.read(row["file"]) == PDF
    assert document.storage_name not in archive.read("record.json").decode()
    rows = list(csv.DictReader(io.StringIO(archive.read("messages.csv").decode())))
    assert rows[0]["body"].startswith("'=")  # no formula runs in a spreadsheet
    assert "documents.csv" in archive.namelist()
