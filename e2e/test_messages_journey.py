"""Journey of issue 16, in a real browser against gunicorn, a worker and an SMTP sink: a client
and their clinician exchange messages and documents.

The client reads the boundaries where they write, sends a message with a referral letter; the
clinician's mail server gets "You have a new message" and nothing of what was written; the
clinician (password and a two-factor code) sees the unread count and the unanswered message on
the dashboard, opens the thread and its attachment, replies, and shares a release to sign; the
client sees "Seen by your clinician", signs the release, and a message with crisis words shows
988 and 911 on the same page."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
from django.urls import reverse

from clients.models import ClientProfile
from conftest import client_factory, mfa_enable
from documents.models import DocumentSignature, SharedDocument
from documents.tests.conftest import PDF
from e2e.conftest import Camera
from e2e.test_crisis_journey import main_text, sign_in
from messaging.models import MessageHours
from notifications.tests.fixtures import wait_for

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis, pytest.mark.e2e,
              pytest.mark.django_db(transaction=True)]

MESSAGE = "Here is the referral letter from Dr. Lee about my sleep."


def test_a_client_and_their_clinician_exchange_messages_and_documents(
        portal, new_page, smtp_sink, make_user, celery_worker):
    dana = make_user(role="clinician", email="dana.reyes@example.com", full_name="Dana Reyes",
                     time_zone="America/New_York")
    secret = mfa_enable(dana)
    alex = client_factory(clinician=dana, email="alex@example.com", full_name="Alex Morgan",
                          service_lines="both")
    ClientProfile.objects.filter(user=alex).update(status="active")
    # Dana reads messages at any hour of this run (her emails wait for her message hours).
    MessageHours.objects.create(clinician=dana, days="0123456", start=time(0, 0),
                                end=time(23, 59))
    camera = Camera("messages")

    client = new_page()
    sign_in(client, portal, alex.email)
    client.goto(portal.url(reverse("messaging:inbox")))
    camera.shoot(client, "conversations")
    client.click("main a.thread-list__link >> text=Therapy")
    client.wait_for_load_state("networkidle")
    text = main_text(client)
    assert "Not for emergencies" in text and "988" in text and "911" in text
    assert "within two working days" in text and "cannot be edited or deleted" in text
    camera.shoot(client, "thread with boundaries")
    client.fill("textarea[name=body]", MESSAGE)
    client.set_input_files("input[name=attachments]", files=[{
        "name": "referral.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    client.click("main form.message-form button[type=submit]")
    client.wait_for_load_state("networkidle")
    assert "Your message was sent" in main_text(client) and "Delivered" in main_text(client)
    camera.shoot(client, "message sent")

    # The clinician's email says only that there is a message.
    assert wait_for(lambda: smtp_sink.messages_to(dana.email), timeout=60), \
        celery_worker.log()
    [note] = smtp_sink.messages_to(dana.email)
    note = note.decode()
    assert "You have a new message" in note
    for word in ("referral", "Lee", "sleep", "Alex", "therapy", "Therapy"):
        assert word not in note, word

    clinician = new_page()
    sign_in(clinician, portal, dana.email, totp_secret=secret)
    clinician.goto(portal.url(reverse("home")))
    assert "Unanswered client messages" in main_text(clinician)
    assert clinician.locator(".nav-badge").inner_text().startswith("1")
    camera.shoot(clinician, "dashboard with the unanswered message")
    clinician.click("main a >> text=Alex Morgan >> nth=-1")
    clinician.wait_for_load_state("networkidle")
    assert MESSAGE in main_text(clinician) and "referral.pdf" in main_text(clinician)
    camera.shoot(clinician, "thread")
    with clinician.expect_download() as download:
        clinician.click("main a >> text=referral.pdf")
    assert Path(download.value.path()).read_bytes() == PDF
    clinician.fill("textarea[name=body]", "Thank you, Alex. I'll read it before Thursday.")
    clinician.click("main form.message-form button[type=submit]")
    clinician.wait_for_load_state("networkidle")
    camera.shoot(clinician, "reply sent")

    clinician.goto(portal.url(reverse("documents:clinician_documents", args=[alex.public_id])))
    clinician.fill("input[name=title]", "Release of information")
    clinician.select_option("select[name=line]", "therapy")
    clinician.check("input[name=signature_requested]")
    clinician.set_input_files("input[name=file]", files=[{
        "name": "release.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    clinician.click("main form button[type=submit]")
    clinician.wait_for_load_state("networkidle")
    assert "Waiting for signature" in main_text(clinician)
    camera.shoot(clinician, "release shared")

    client.goto(portal.url(reverse("messaging:inbox")))
    assert client.locator(".nav-badge").count() == 1
    client.click("main a.thread-list__link >> text=Therapy")
    client.wait_for_load_state("networkidle")
    text = main_text(client)
    assert "Seen by your clinician" in text and "I'll read it before Thursday" in text
    camera.shoot(client, "reply and seen")

    client.goto(portal.url(reverse("documents:documents")))
    client.click("main a >> text=Read and sign")
    client.wait_for_load_state("networkidle")
    camera.shoot(client, "release to sign")
    client.fill("input[name=typed_name]", "Alex Morgan")
    client.check("input[name=understood]")
    client.click("main form button[type=submit]")
    client.wait_for_load_state("networkidle")
    assert "Signed" in main_text(client)
    signature = DocumentSignature.objects.get()
    assert signature.sha256 == SharedDocument.objects.get(title="Release of information").sha256
    camera.shoot(client, "release signed")

    client.click("header a >> text=Messages")
    client.click("main a.thread-list__link >> text=Therapy")
    client.fill("textarea[name=body]", "Some nights I feel like I can't go on.")
    client.click("main form.message-form button[type=submit]")
    client.wait_for_load_state("networkidle")
    text = main_text(client)
    assert "Call or text 988" in text and "911" in text
    camera.shoot(client, "crisis help at once")

    assert camera.problems == []
    assert client.problems == [] and clinician.problems == []
