"""What the workspace stores: a clinician's acknowledgements of needs-attention items."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AttentionAcknowledgement(models.Model):
    """A clinician saw a needs-attention item and noted what they did about it.

    The item stays off their list while its fingerprint is the same; when something new happens
    (a newer response, a further missed check-in, a new consent version...) the fingerprint
    changes and the item returns. Rows are history: never edited.
    """

    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="attention_acknowledgements")
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    rule = models.CharField(max_length=32)
    fingerprint = models.CharField(max_length=100)
    note = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Moved from the portal app with its table (migrations: state only).
        db_table = "portal_attentionacknowledgement"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["clinician", "client", "rule"],
                                name="attention_ack_lookup_idx")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(note=""), name="attention_ack_has_note"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} of {self.client} acknowledged by {self.clinician}"
