"""How a consent document's plain text is shown: paragraphs split on blank lines, and a short
first line without closing punctuation shown as the paragraph's heading."""

from __future__ import annotations

from dataclasses import dataclass

_CLOSING = (".", ":", ";", ",", "?", "!")


@dataclass(frozen=True)
class Block:
    heading: str
    lines: list[str]


def consent_blocks(body: str) -> list[Block]:
    blocks = []
    for chunk in body.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        heading = ""
        if len(lines) > 1 and len(lines[0]) <= 60 and not lines[0].endswith(_CLOSING):
            heading, lines = lines[0], lines[1:]
        blocks.append(Block(heading=heading, lines=lines))
    return blocks
