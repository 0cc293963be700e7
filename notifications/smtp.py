"""SMTP delivery that says what happened, sorted the way the outbox must act on it.

- **Temporary** (connection refused or dropped, any 4xx, before the message was handed over, or
  a 4xx reply to it): nothing was accepted, so trying again later cannot send twice.
- **Permanent** (a 5xx reply to MAIL, RCPT, DATA or the message): the server refused it; trying
  again would be refused again. The row is ``failed`` at once, with the server's words.
- **Ambiguous** (the message was sent after DATA but no reply came: timeout, disconnect): the
  server may have stored it. Only a person may decide to send it again (``needs_review``).

``EmailBackend`` is Django's SMTP backend with ``sendmail`` spelled out step by step, so the
step that failed is known. https://www.rfc-editor.org/rfc/rfc5321#section-4.2.5
"""

from __future__ import annotations

import contextlib
import re
import smtplib
from email.generator import BytesGenerator
from email.policy import Compat32
from functools import lru_cache
from io import BytesIO

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend as DjangoEmailBackend
from django.core.mail.message import sanitize_address


class DeliveryError(Exception):
    """Base of the three outcomes below; the message is safe to store on the row."""


class TemporaryFailure(DeliveryError):
    pass


class PermanentFailure(DeliveryError):
    pass


class AmbiguousFailure(DeliveryError):
    pass


def _refused(step: str, code: int, reply: bytes | str) -> DeliveryError:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    error = PermanentFailure if code >= 500 else TemporaryFailure
    return error(f"{step} refused: {code} {text}")


def classify(exc: BaseException) -> type[DeliveryError]:
    """The outcome class of any error raised while sending (also from Django's own backend)."""
    if isinstance(exc, DeliveryError):
        return type(exc)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return PermanentFailure if codes and min(codes) >= 500 else TemporaryFailure
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return TemporaryFailure  # our configuration, not the message: a person fixes it
    if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500:
        return PermanentFailure
    return TemporaryFailure


_LEADING_DOT = re.compile(rb"(?m)^\.")


class _Policy(Compat32):
    """compat32, the policy of Django's messages, writing a header that is ASCII, on one line
    and short enough as it is instead of folding it through ``email.header.Header`` (about a
    third of the time to write a message). Longer or non-ASCII ones are folded as before; a
    test holds every kind of email byte for byte equal to the standard library's output."""

    def _fold(self, name: str, value, sanitize: bool) -> str:
        limit = self.max_line_length
        if isinstance(value, str) and value.isascii() and "\n" not in value \
                and "\r" not in value and limit and len(name) + 2 + len(value) <= limit:
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)  # type: ignore[misc]  # not in typeshed


class _Generator(BytesGenerator):
    @classmethod
    def _make_boundary(cls, text: bytes | None = None) -> str:
        # The standard library compiles a new regular expression for each boundary to look for
        # it as a line of the text; a boundary that is nowhere in the text is not a line of it.
        while True:
            boundary = super()._make_boundary()  # type: ignore[misc]  # not in typeshed
            if text is None or boundary.encode("ascii") not in text:
                return boundary


_POLICY = _Policy()


def message_bytes(email_message) -> bytes:
    """What Django's ``message().as_bytes()`` gives with CRLF line ends, written faster."""
    out = BytesIO()
    _Generator(out, mangle_from_=False, policy=_POLICY).flatten(email_message.message(),
                                                                linesep="\r\n")
    return out.getvalue()


@lru_cache(maxsize=4096)
def _envelope_address(address: str, encoding: str) -> str:
    # The same sender for a whole batch, and Django's parse of an address is slow.
    return sanitize_address(address, encoding)


class EmailBackend(DjangoEmailBackend):
    """Raises TemporaryFailure, PermanentFailure or AmbiguousFailure instead of smtplib's
    errors. The outbox sends a batch of messages over one connection: a refusal the server
    answered keeps it (RSET), anything that leaves the session in doubt closes it, and the
    next message opens a new one."""

    def open(self) -> bool | None:
        try:
            return super().open()
        except smtplib.SMTPException as exc:
            raise TemporaryFailure(f"could not open the SMTP session: {exc}") from exc
        except OSError as exc:
            raise TemporaryFailure(f"could not connect: {exc}") from exc

    def _send(self, email_message) -> bool:
        if not email_message.recipients():
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = _envelope_address(email_message.from_email, encoding)
        recipients = [_envelope_address(addr, encoding) for addr in email_message.recipients()]
        payload = message_bytes(email_message)
        conn = self.connection
        assert conn is not None, "open() made the connection"
        try:
            conn.ehlo_or_helo_if_needed()
            options = [f"size={len(payload)}"] if conn.does_esmtp and conn.has_extn("size") \
                else []
            code, reply = conn.mail(from_email, options)
            if code != 250:
                raise _refused("MAIL FROM", code, reply)
            for address in recipients:
                code, reply = conn.rcpt(address)
                if code not in (250, 251):
                    raise _refused(f"RCPT TO {address}", code, reply)
            conn.putcmd("data")
            code, reply = conn.getreply()
            if code != 354:
                raise _refused("DATA", code, reply)
        except DeliveryError:
            # The server answered: the session is sound, only this transaction is over. Reset
            # it and keep the connection for the rest of the batch.
            self._reset_or_drop()
            raise
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise TemporaryFailure(f"before the message was sent: {type(exc).__name__}: "
                                   f"{exc}") from exc
        # From here on the server may have the whole message: no error is safe to retry.
        try:
            data = _LEADING_DOT.sub(b"..", payload)
            if not data.endswith(b"\r\n"):
                data += b"\r\n"
            conn.send(data + b".\r\n")
            code, reply = conn.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise AmbiguousFailure(
                f"no reply after the message was sent ({type(exc).__name__}: {exc}); the "
                "server may have stored it") from exc
        if code != 250:
            # A definite refusal of the message ends its transaction; the session goes on.
            raise _refused("the message", code, reply)
        return True

    def _reset_or_drop(self) -> None:
        if self.connection is None:
            return
        try:
            code, _ = self.connection.rset()
        except (smtplib.SMTPException, OSError):
            code = None
        if code != 250:
            self._drop()

    def _drop(self) -> None:
        # The connection is thrown away after a failure; closing it may fail too.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            if self.connection is not None:
                self.connection.close()
        self.connection = None
