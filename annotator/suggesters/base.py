"""What a suggester proposes, and small helpers shared by the rule-based suggesters.

Offsets are always taken from spaCy tokens/spans (`start_char`, `end_char`): code points,
end-exclusive, over `doc.text`, which is the stored document text unchanged.
"""

from __future__ import annotations

import hashlib
import json
import threading
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

LEXICONS_PATH = Path(__file__).with_name("lexicons.json")


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposed span: `doc.text[start:end]`, labelled (layer, label)."""

    layer: str
    label: str
    start: int
    end: int
    score: float
    reason: str


@dataclass(frozen=True, slots=True)
class RelationProposal:
    """A proposed relation between two proposals, by index into `SuggesterResult.spans`."""

    head_index: int
    tail_index: int
    label: str
    score: float
    reason: str


@dataclass(frozen=True, slots=True)
class StanceProposal:
    """A document-level stance guess and the sentences (start, end) that drove it."""

    label: str
    score: float
    sentences: list[tuple[int, int]] = field(default_factory=list)
    reason: str = ""


@dataclass(slots=True)
class SuggesterResult:
    spans: list[Proposal] = field(default_factory=list)
    relations: list[RelationProposal] = field(default_factory=list)
    stance: StanceProposal | None = None


@runtime_checkable
class Suggester(Protocol):
    name: str
    version: str

    def suggest(self, doc: Doc) -> SuggesterResult: ...


class InvalidProposal(ValueError):
    """A suggester produced offsets that do not describe a clean span of the text."""


def check_result(result: SuggesterResult, text: str) -> None:
    """Raise InvalidProposal unless every proposal is a non-empty, whitespace-trimmed span of `text`."""
    for proposal in result.spans:
        start, end = proposal.start, proposal.end
        if not (0 <= start < end <= len(text)):
            raise InvalidProposal(f"{proposal}: offsets outside a text of {len(text)} characters")
        piece = text[start:end]
        if piece != piece.strip():
            raise InvalidProposal(f"{proposal}: span has leading or trailing whitespace")
    for relation in result.relations:
        for index in (relation.head_index, relation.tail_index):
            if not 0 <= index < len(result.spans):
                raise InvalidProposal(f"{relation}: no span {index}")
        if relation.head_index == relation.tail_index:
            raise InvalidProposal(f"{relation}: a relation needs two different spans")
    if result.stance is not None:
        for start, end in result.stance.sentences:
            if not (0 <= start < end <= len(text)):
                raise InvalidProposal(f"stance sentence ({start}, {end}) outside the text")


class ResultBuilder:
    """Collects proposals, trimming each span and dropping duplicates (same layer, label, offsets)."""

    def __init__(self) -> None:
        self.result = SuggesterResult()
        self._index: dict[tuple[str, str, int, int], int] = {}
        self._relations: set[tuple[int, int, str]] = set()

    def span(
        self, layer: str, label: str, span: Span | None, score: float, reason: str, *, edge_words=()
    ) -> int | None:
        """Add the trimmed span; return its index, or None when nothing is left after trimming."""
        if span is None:
            return None
        span = trim(span, edge_words)
        if span is None:
            return None
        key = (layer, label, span.start_char, span.end_char)
        if key in self._index:
            return self._index[key]
        self.result.spans.append(
            Proposal(layer, label, span.start_char, span.end_char, round(score, 3), reason[:300])
        )
        self._index[key] = len(self.result.spans) - 1
        return self._index[key]

    def relation(self, head: int | None, tail: int | None, label: str, score: float, reason: str) -> None:
        if head is None or tail is None or head == tail or (head, tail, label) in self._relations:
            return
        self._relations.add((head, tail, label))
        self.result.relations.append(RelationProposal(head, tail, label, round(score, 3), reason[:300]))


def trim(span: Span, edge_words=(), *, punct: bool = True) -> Span | None:
    """Drop whitespace tokens, punctuation (unless `punct` is false) and `edge_words` at both ends."""
    doc = span.doc
    start, end = span.start, span.end
    while start < end and _edge(doc[start], edge_words, punct):
        start += 1
    while end > start and _edge(doc[end - 1], edge_words, punct):
        end -= 1
    if start >= end:
        return None
    return doc[start:end]


def _edge(token: Token, edge_words, punct: bool = True) -> bool:
    return token.is_space or (punct and token.is_punct) or token.lower_ in edge_words


# The last doc's sentences and sentence index, per thread: every suggester asks for them again.
_SENTENCES = threading.local()


def _sentence_cache(doc: Doc) -> tuple[list[Span], list[int]]:
    cached = getattr(_SENTENCES, "value", None)
    if cached is None or cached[0] is not doc or cached[1] != len(doc):
        sents = _sentences(doc)
        cached = (doc, len(doc), sents, _sentence_index(doc, sents))
        _SENTENCES.value = cached
    return cached[2], cached[3]


def sentences(doc: Doc) -> list[Span]:
    """The doc's sentences, also split at line breaks (headlines carry no full stop).

    Without sentence boundaries from the pipeline, each line counts as one sentence.
    """
    return list(_sentence_cache(doc)[0])


def sentence_index(doc: Doc, sents: list[Span]) -> list[int]:
    """For each token, the index of its sentence in `sents` (line breaks go with the one before)."""
    cached, owner = _sentence_cache(doc)
    if len(sents) == len(cached) and all(a is b for a, b in zip(sents, cached, strict=True)):
        return list(owner)
    return _sentence_index(doc, sents)


def _sentences(doc: Doc) -> list[Span]:
    base = list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]
    breaks = line_breaks(doc)
    result = []
    for sent in base:
        start = sent.start
        for i in breaks[bisect_left(breaks, sent.start) : bisect_left(breaks, sent.end)]:
            if i > start:
                result.append(doc[start:i])
            start = i + 1
        if start < sent.end:
            result.append(doc[start : sent.end])
    return result


def token_positions(doc: Doc, attr: str, values: Iterable[str]) -> list[int]:
    """Indices, in order, of the tokens whose `attr` (ORTH, LOWER, TAG…) is one of `values`.

    One pass over the doc's attribute column instead of reading every token's attribute in Python.
    """
    if not len(doc):
        return []
    ids = _string_ids(frozenset(values))
    return [i for i, value in enumerate(doc.to_array(attr).tolist()) if value in ids]


@lru_cache(maxsize=64)
def _string_ids(values: frozenset[str]) -> frozenset[int]:
    from spacy.strings import get_string_id

    return frozenset(get_string_id(value) for value in values)


def line_breaks(doc: Doc) -> list[int]:
    """Indices, in order, of the whitespace tokens that hold a line break."""
    if not len(doc):
        return []
    return [i for i, space in enumerate(doc.to_array("IS_SPACE").tolist()) if space and "\n" in doc[i].text]


def _sentence_index(doc: Doc, sents: list[Span]) -> list[int]:
    owner = [-1] * len(doc)
    for number, sent in enumerate(sents):
        for i in range(sent.start, sent.end):
            owner[i] = number
    current = 0
    for i, number in enumerate(owner):
        if number < 0:
            owner[i] = current
        else:
            current = number
    return owner


def has_parse(doc: Doc) -> bool:
    return doc.has_annotation("DEP")


def has_tags(doc: Doc) -> bool:
    return doc.has_annotation("TAG")


def content_tokens(span: Span) -> int:
    return sum(1 for token in span if not (token.is_punct or token.is_space))


def is_initial(sent: Span, token_i: int) -> bool:
    """True when only punctuation/whitespace precedes token `token_i` in its sentence."""
    return all(t.is_punct or t.is_space for t in sent.doc[sent.start : token_i])


def clause_end(sent: Span, from_i: int) -> int:
    """Token index where the clause starting at `from_i` ends: the next `;` or the sentence end."""
    for token in sent.doc[from_i : sent.end]:
        if token.text in {";", "—", "–"} and token.i > from_i:
            return token.i
    return sent.end


@lru_cache(maxsize=1)
def _lexicon_file() -> tuple[str, dict]:
    raw = LEXICONS_PATH.read_text(encoding="utf-8")
    return raw, json.loads(raw)


def lexicons() -> dict:
    """The editable lexicons (annotator/suggesters/lexicons.json)."""
    return _lexicon_file()[1]


def lexicon_version(*keys: str) -> str:
    """A short digest of the named lexicon sections, so editing them yields a new suggester version."""
    data = lexicons()
    payload = json.dumps({key: data.get(key) for key in keys}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:8]


# PhraseMatchers by (vocab id, lexicon), shared by all suggester instances; the vocab is kept
# referenced so its id is never reused for another one.
_MATCHERS: dict[tuple[int, str], tuple[object, object]] = {}


class PhraseLexicon:
    """A PhraseMatcher (lower-cased) over lexicon entries, built once per vocab."""

    def __init__(self, groups: dict[str, list[str]]) -> None:
        self.groups = groups
        self._key = json.dumps(groups, sort_keys=True, ensure_ascii=False)

    def matcher(self, doc: Doc):
        key = (id(doc.vocab), self._key)
        if key not in _MATCHERS:
            import spacy
            from spacy.matcher import PhraseMatcher

            tokenizer_key = (id(doc.vocab), "")
            if tokenizer_key not in _MATCHERS:
                _MATCHERS[tokenizer_key] = (
                    doc.vocab,
                    spacy.blank(doc.lang_ or "en", vocab=doc.vocab).make_doc,
                )
            make_doc = _MATCHERS[tokenizer_key][1]
            matcher = PhraseMatcher(doc.vocab, attr="LOWER")
            for group, phrases in self.groups.items():
                matcher.add(group, [make_doc(phrase) for phrase in phrases])
            _MATCHERS[key] = (doc.vocab, matcher)
        return _MATCHERS[key][1]

    def find(self, doc: Doc) -> list[tuple[int, int, str]]:
        """(start token, end token, group) of each match, longest first where matches overlap."""
        from spacy.tokens import Span
        from spacy.util import filter_spans

        matches = self.matcher(doc)(doc)
        spans = filter_spans([Span(doc, start, end, label=match_id) for match_id, start, end in matches])
        return sorted((span.start, span.end, span.label_) for span in spans)
