"""How much a person may type into each kind of free-text field (issue 13). One home, so the
form's maxlength, the help text that states it and the model's validator agree."""

from __future__ import annotations

# A note, a comment, the "why" of a goal: a few paragraphs.
TEXT_LONG = 2000
# A clinician's account of what was done about a risk flag: a little more room.
TEXT_NOTE = 4000
# Check-in counts ("times practised this week"): far above any real week, far below the
# small-integer column (32,767).
PRACTICE_COUNT_MAX = 1000
# The largest id a bigint column holds; a number past it is refused before it reaches SQL.
BIGINT_MAX = 2**63 - 1


def limit_help(limit: int, help_text: str = "") -> str:
    """The help text with its limit stated, so the person knows before they hit it."""
    stated = f"Up to {limit:,} characters."
    return f"{help_text} {stated}".strip()


def text_fields_without_nul(obj, names: tuple[str, ...]) -> dict[str, str]:
    """Errors for the text fields of ``obj`` that hold a NUL character, which PostgreSQL cannot
    store (a form field refuses it already; this covers a service called directly)."""
    return {name: "This holds a character that cannot be stored."
            for name in names if "\x00" in (getattr(obj, name, "") or "")}
