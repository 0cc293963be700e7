"""What a shared file may be: PDF, PNG, JPEG or plain text, judged by its content, and no
larger than settings.DOCUMENTS_MAX_MB.

The binary types are recognised by their magic bytes with ``filetype`` (pure Python, no
libmagic to install, maintained, and it reads only the first 261 bytes), and the name's
extension must agree with what the content is: a PNG called report.pdf or an executable called
letter.pdf is refused. Plain text has no magic number: a .txt file must be valid UTF-8 with no
control characters other than tabs and line breaks, which rules out every binary format."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from documents.models import DocumentKind

NAME_EXTENSIONS = {
    ".pdf": DocumentKind.PDF, ".png": DocumentKind.PNG, ".jpg": DocumentKind.JPEG,
    ".jpeg": DocumentKind.JPEG, ".txt": DocumentKind.TEXT,
}
_MIME = {"application/pdf": DocumentKind.PDF, "image/png": DocumentKind.PNG,
         "image/jpeg": DocumentKind.JPEG}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
REFUSED_TYPE = "Upload a PDF, PNG, JPEG or plain-text (.txt) file."


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    sha256: str


def max_bytes() -> int:
    return settings.DOCUMENTS_MAX_MB * 1024 * 1024


def file_check(file: UploadedFile) -> CheckedFile:
    """The file's type (from its bytes), size and SHA-256, or ValidationError keyed ``file``
    with words for the person."""
    if file is None:
        raise ValidationError({"file": "Choose a file."})
    size = file.size or 0
    if size > max_bytes():
        raise ValidationError({"file": f"This file is {size / 1024 / 1024:.1f} MB; the "
                                       f"largest you can send is {settings.DOCUMENTS_MAX_MB} MB."})
    if size == 0:
        raise ValidationError({"file": "This file is empty."})
    named = NAME_EXTENSIONS.get(os.path.splitext(file.name or "")[1].lower())
    if named is None:
        raise ValidationError({"file": REFUSED_TYPE})
    file.seek(0)
    head = file.read(261)
    guessed = filetype.guess(head)
    if named == DocumentKind.TEXT:
        if guessed is not None or not _is_plain_text(file):
            raise ValidationError({"file": "This file is not plain text. " + REFUSED_TYPE})
        kind: DocumentKind | None = DocumentKind.TEXT
    else:
        kind = _MIME.get(guessed.mime) if guessed is not None else None
        if kind != named:
            raise ValidationError({"file": "This file's content is not what its name says. "
                                           + REFUSED_TYPE})
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    assert kind is not None  # every other case raised above
    return CheckedFile(content_type=kind, size=size, sha256=digest.hexdigest())


def _is_plain_text(file: UploadedFile) -> bool:
    file.seek(0)
    data = b"".join(file.chunks())
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not _CONTROL.search(text)
