"""Words that must not show in an address bar or browser history (issue 13): the service line
in /goals/new/therapy/, the instrument in /screening/step/phq9/, the appointment type in
/appointments/book/therapy-consultation/. The ``obscured`` path converter writes such a slug as
an opaque code (/goals/new/Xq3b0w/) and reads it back, so views and ``{% url %}`` keep passing
the plain slug and nothing else changes.

The code is the slug XOR a keystream derived from SECRET_KEY, in URL-safe base64: not
encryption to rely on (the view still checks the slug as before), only enough that a shared
screen, a history list or an autocomplete shows no word. Changing SECRET_KEY changes the codes;
only bookmarks of those pages break.
"""

from __future__ import annotations

import base64
import hashlib
import re

from django.conf import settings
from django.urls import converters, register_converter

_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,64}")


def _keystream(length: int) -> bytes:
    seed = hashlib.sha256(b"tandem-url-slug:" + settings.SECRET_KEY.encode()).digest()
    stream = b""
    counter = 0
    while len(stream) < length:
        stream += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return stream[:length]


def slug_obscure(slug: str) -> str:
    raw = slug.encode()
    mixed = bytes(a ^ b for a, b in zip(raw, _keystream(len(raw)), strict=True))
    return base64.urlsafe_b64encode(mixed).decode().rstrip("=")


def slug_reveal(code: str) -> str:
    """The slug behind a code; ValueError (the resolver's "no match", a 404) for anything
    that is not one."""
    try:
        mixed = base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))
    except (ValueError, TypeError) as error:
        raise ValueError("not a code") from error
    raw = bytes(a ^ b for a, b in zip(mixed, _keystream(len(mixed)), strict=True))
    try:
        slug = raw.decode()
    except UnicodeDecodeError as error:
        raise ValueError("not a code") from error
    if not _SLUG.fullmatch(slug):
        raise ValueError("not a code")
    return slug


class ObscuredSlugConverter:
    regex = r"[-a-zA-Z0-9_]{2,100}"

    def to_python(self, value: str) -> str:
        return slug_reveal(value)

    def to_url(self, value: str) -> str:
        return slug_obscure(str(value))


if "obscured" not in converters.REGISTERED_CONVERTERS:
    register_converter(ObscuredSlugConverter, "obscured")
