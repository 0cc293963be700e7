"""Signals the clients app sends for writes Django's model signals do not see."""

from django.dispatch import Signal

# A consent document became the current version of its kind (consent_document_publish claims
# it with a QuerySet update(), which sends no post_save). Sent with ``document``.
consent_published = Signal()
