"""Span candidates for the learned `spancat`: short n-grams, clauses and sentences.

Argument components are clauses or sentences (often 10–40 tokens), rhetoric devices are often a
word or two; plain n-grams would need sizes up to 40 to reach the first. This suggester offers
n-grams of the given sizes plus every run of up to `max_clauses` clauses of a sentence, the whole
sentence, and the same with one or two leading tokens dropped (a marker such as "because"), so a
saved model only needs this module imported (it registers `stancemark.clause_suggester.v1`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from spacy.util import registry
from thinc.api import Ops, get_current_ops
from thinc.types import Ragged

if TYPE_CHECKING:
    from spacy.tokens import Doc

SENTENCE_END = {".", "!", "?", "…"}
CLAUSE_BREAKS = {",", ";", ":", "—", "–", "(", ")", "“", "”", '"', "‘", "’"}
LEADING_DROPS = 2


def _is_gap(token) -> bool:
    return token.is_space or token.text in CLAUSE_BREAKS or token.text in SENTENCE_END


def sentence_ranges(doc: Doc) -> list[tuple[int, int]]:
    """Token ranges of sentences: split after . ! ? … and at line breaks, without a sentencizer."""
    ranges = []
    start = 0
    for token in doc:
        if token.is_space and "\n" in token.text:
            if token.i > start:
                ranges.append((start, token.i))
            start = token.i + 1
        elif token.text in SENTENCE_END and (
            token.i + 1 == len(doc) or doc[token.i + 1].text not in SENTENCE_END
        ):
            ranges.append((start, token.i + 1))
            start = token.i + 1
    if start < len(doc):
        ranges.append((start, len(doc)))
    return ranges


def _clauses(doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
    """Maximal runs of tokens between clause punctuation inside [start, end)."""
    pieces = []
    piece_start = None
    for i in range(start, end):
        if _is_gap(doc[i]):
            if piece_start is not None:
                pieces.append((piece_start, i))
                piece_start = None
        elif piece_start is None:
            piece_start = i
    if piece_start is not None:
        pieces.append((piece_start, end))
    return pieces


def candidate_spans(doc: Doc, sizes: Sequence[int], max_clauses: int) -> list[tuple[int, int]]:
    """(start, end) token pairs to classify, sorted, none starting or ending on whitespace."""
    found: set[tuple[int, int]] = set()
    n = len(doc)
    for size in sizes:
        for start in range(0, n - size + 1):
            if not (doc[start].is_space or doc[start + size - 1].is_space):
                found.add((start, start + size))
    for sent_start, sent_end in sentence_ranges(doc):
        clauses = _clauses(doc, sent_start, sent_end)
        runs = [
            (clauses[i][0], clauses[j][1])
            for i in range(len(clauses))
            for j in range(i, min(len(clauses), i + max_clauses))
        ]
        if clauses:
            runs.append((clauses[0][0], clauses[-1][1]))
        for start, end in runs:
            for drop in range(LEADING_DROPS + 1):
                if start + drop < end and not doc[start + drop].is_space:
                    found.add((start + drop, end))
    return sorted(found)


def clause_suggester(
    docs: Iterable[Doc], *, sizes: Sequence[int], max_clauses: int, ops: Ops | None = None
) -> Ragged:
    """spaCy suggester protocol: a Ragged array of (start, end) rows, one group per doc."""
    ops = ops or get_current_ops()
    rows: list[tuple[int, int]] = []
    lengths = []
    for doc in docs:
        spans = candidate_spans(doc, sizes, max_clauses)
        rows.extend(spans)
        lengths.append(len(spans))
    data = ops.asarray2i(rows) if rows else ops.xp.zeros((0, 0), dtype="i")
    return Ragged(data, ops.asarray1i(lengths))


@registry.misc("stancemark.clause_suggester.v1")
def build_clause_suggester(sizes: list[int], max_clauses: int = 3):
    """Register the suggester so `spacy.load` can rebuild a saved spancat."""
    return partial(clause_suggester, sizes=sizes, max_clauses=max_clauses)
