"""The one place that owns offsets.

Offsets are Unicode code points, end-exclusive, over the stored document text, so
`text[start:end]` is always a span's text. Browsers count UTF-16 code units; the
conversions below are the server's side of that boundary. No Django imports here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc
    from spacy.tokens import Span as SpacySpan


class OffsetError(ValueError):
    """An offset pair that does not describe a span of the given text."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class TextSpan:
    start: int
    end: int

    def overlaps(self, other: TextSpan) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: TextSpan) -> bool:
        return self.start <= other.start and other.end <= self.end

    def text_of(self, text: str) -> str:
        return text[self.start : self.end]


def check_span(text_length: int, start: object, end: object) -> TextSpan:
    """Return the span if `[start, end)` is a non-empty range inside a text of this length."""
    if isinstance(start, bool) or not isinstance(start, int):
        raise OffsetError("start", "start must be a whole number.")
    if isinstance(end, bool) or not isinstance(end, int):
        raise OffsetError("end", "end must be a whole number.")
    if start < 0:
        raise OffsetError("start", f"start {start} is negative.")
    if end > text_length:
        raise OffsetError("end", f"end {end} is past the end of the text ({text_length} characters).")
    if start >= end:
        raise OffsetError("end", f"end {end} must be greater than start {start}.")
    return TextSpan(start, end)


def utf16_length(text: str) -> int:
    """Return the number of UTF-16 code units in `text`."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def utf16_to_codepoint(text: str, utf16_offset: int) -> int:
    """Convert a UTF-16 code-unit offset into `text` to a code-point offset."""
    if utf16_offset < 0 or utf16_offset > utf16_length(text):
        raise OffsetError("offset", f"UTF-16 offset {utf16_offset} is outside the text.")
    units = 0
    for index, ch in enumerate(text):
        if units >= utf16_offset:
            if units > utf16_offset:
                raise OffsetError("offset", f"UTF-16 offset {utf16_offset} splits a surrogate pair.")
            return index
        units += 2 if ord(ch) > 0xFFFF else 1
    if units > utf16_offset:
        raise OffsetError("offset", f"UTF-16 offset {utf16_offset} splits a surrogate pair.")
    return len(text)


def codepoint_to_utf16(text: str, offset: int) -> int:
    """Convert a code-point offset into `text` to a UTF-16 code-unit offset."""
    if offset < 0 or offset > len(text):
        raise OffsetError("offset", f"offset {offset} is outside the text.")
    return utf16_length(text[:offset])


def overlapping_pairs(spans: list[TextSpan]) -> list[tuple[int, int]]:
    """Return index pairs of spans that overlap, scanning in start order."""
    order = sorted(range(len(spans)), key=lambda i: (spans[i].start, spans[i].end))
    pairs: list[tuple[int, int]] = []
    active: list[int] = []
    for i in order:
        active = [j for j in active if spans[j].end > spans[i].start]
        pairs.extend((j, i) for j in active)
        active.append(i)
    return pairs


def token_span(doc: Doc, start: int, end: int) -> SpacySpan | None:
    """Return the tokens of `doc` covering `[start, end)`, widened to whole tokens; None if there are none."""
    span = doc.char_span(start, end, alignment_mode="expand")
    return span if span is not None and len(span) > 0 else None
