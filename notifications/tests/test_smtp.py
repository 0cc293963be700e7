"""How the outbox writes a message for the wire (notifications.smtp.message_bytes): faster than
the standard library, and byte for byte what it writes."""

from __future__ import annotations

import random

from django.core.mail import EmailMultiAlternatives

from notifications.smtp import message_bytes


def same_bytes(message: EmailMultiAlternatives) -> bool:
    """Whether the fast path writes ``message`` exactly as Django and the email package do
    (the same random boundary for both: the one thing that differs between two writes)."""
    random.seed(15)
    expected = message.message().as_bytes(linesep="\r\n")
    random.seed(15)
    return message_bytes(message) == expected


# The two headers Django would write anew each time (the date in seconds, a random id).
FIXED = {"Date": "Mon, 04 Jan 2027 12:00:00 -0000", "Message-ID": "<1.outbox@tandem.example>"}


def email(**overrides) -> EmailMultiAlternatives:
    values = {"subject": "Your appointment tomorrow at 14:30", "body": "Hello Alex,\n",
              "from_email": "Tandem Practice <no-reply@tandem.example>",
              "to": ["alex@example.com"],
              "headers": FIXED}
    message = EmailMultiAlternatives(**{**values, **overrides})
    message.attach_alternative("<p>Hello Alex,</p>", "text/html")
    return message


def test_a_plain_message_is_written_as_the_standard_library_writes_it():
    assert same_bytes(email())


def test_headers_that_need_folding_or_encoding_are_left_to_the_standard_library():
    long_subject = "A reminder of " + " ".join(["the appointment"] * 12)
    assert len(long_subject) > 78
    for message in (
        email(subject=long_subject),
        email(subject="Zoë's appointment: a reminder"),
        email(from_email="Praxis Müller-Łukasiewicz <no-reply@tandem.example>"),
        email(to=["Zoë Ångström <zoe@example.com>"]),
        email(headers={**FIXED, "X-Long": "x" * 120}),
    ):
        assert same_bytes(message), message.subject


def test_the_boundary_is_not_in_the_text():
    random.seed(15)
    taken = message_bytes(email()).split(b'boundary="', 1)[1].split(b'"', 1)[0].decode()
    # The text of a message holding the boundary the next write would pick gets another one.
    random.seed(15)
    written = message_bytes(email(body=f"--{taken}\n"))
    boundary = written.split(b'boundary="', 1)[1].split(b'"', 1)[0].decode()
    assert boundary != taken
    assert written.count(f"--{boundary}".encode()) == 3  # two parts and the close
