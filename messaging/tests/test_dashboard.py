"""What messages put on the clinician's dashboard: crisis words as a needs-attention item (not a
risk flag), and unanswered client messages with their age, each read logged."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from clients.models import AccessLog
from messaging.services import message_send
from messaging.tests.conftest import MONDAY_MORNING, coaching_only
from workspace.attention import Rule, needs_attention_for_clinician
from workspace.services import attention_acknowledge

pytestmark = pytest.mark.django_db


def test_crisis_words_raise_a_needs_attention_item_not_a_flag(alex, clinician):
    message_send(sender=alex, client=alex, service_line="therapy", body="Fine, thanks")
    first = message_send(sender=alex, client=alex, service_line="therapy",
                         body="I don't want to live anymore")
    [item] = [i for i in needs_attention_for_clinician(clinician=clinician)
              if i.rule == Rule.CRISIS_MESSAGE]
    assert item.client == alex and item.fingerprint == f"message:{first.pk}"
    assert item.url == reverse("messaging:clinician_thread", args=[alex.public_id, "therapy"])
    assert "988" in item.reason and item.tone == "danger"
    assert not alex.risk_flags.exists()
    # Acknowledged, it stays away until the next such message.
    attention_acknowledge(clinician=clinician, client=alex, rule=item.rule,
                          fingerprint=item.fingerprint, note="Called Alex; safe.")
    assert not [i for i in needs_attention_for_clinician(clinician=clinician)
                if i.rule == Rule.CRISIS_MESSAGE]
    message_send(sender=alex, client=alex, service_line="therapy", body="I want to die")
    assert [i.rule for i in needs_attention_for_clinician(clinician=clinician)].count(
        Rule.CRISIS_MESSAGE) == 1


def test_the_firewall_holds_for_the_item(alex, clinician):
    message_send(sender=alex, client=alex, service_line="therapy", body="I want to die")
    coaching_only(clinician)
    assert Rule.CRISIS_MESSAGE not in [i.rule for i in
                                       needs_attention_for_clinician(clinician=clinician)]


def test_the_dashboard_lists_unanswered_messages_with_their_age(client, alex, clinician):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        message_send(sender=alex, client=alex, service_line="coaching", body="A question")
    with time_machine.travel(MONDAY_MORNING + dt.timedelta(hours=5), tick=False):
        client.force_login(clinician)
        page = client.get(reverse("home")).content.decode()
    assert "Unanswered client messages" in page
    assert "Alex Morgan" in page and "waiting" in page and "5\xa0hours" in page
    assert AccessLog.objects.filter(by=clinician, client=alex, detail="dashboard").exists()
    message_send(sender=clinician, client=alex, service_line="coaching", body="An answer")
    with time_machine.travel(MONDAY_MORNING + dt.timedelta(hours=6), tick=False):
        client.force_login(clinician)
        page = client.get(reverse("home")).content.decode()
    assert "Every client message has an answer" in page
