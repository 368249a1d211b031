"""Argument components from discourse markers: premise / claim / evidence, and the links between them.

With a dependency parse, a subordinating marker (because, since, if) delimits its clause by the
subtree of the verb it attaches to; without one, sentence and comma rules decide, more cautiously.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import (
    PhraseLexicon,
    ResultBuilder,
    SuggesterResult,
    clause_end,
    content_tokens,
    has_parse,
    is_initial,
    lexicon_version,
    lexicons,
    sentence_index,
    sentences,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

LAYER = "argument"
EDGE_WORDS = ("and", "or", "but", "then", "so")
MIN_TOKENS = 3
EVIDENCE_ENTS = {"PERCENT", "MONEY", "QUANTITY"}
CLAUSE_PUNCT = {",", ";", "—", "–", ":"}
# Without a parse these only count at the start of a sentence or after clause punctuation.
AMBIGUOUS_MARKERS = {"since", "if", "so", "yet", "still", "but"}


class ArgumentSuggester:
    name = "rules-argument"

    def __init__(self) -> None:
        data = lexicons()
        self.version = f"1.{lexicon_version('argument_markers', 'argument_filters')}"
        self.markers = PhraseLexicon(data["argument_markers"])
        filters = data.get("argument_filters", {})
        self.so_not_before = set(filters.get("so_not_before", []))
        self.since_not_before = set(filters.get("since_not_before", []))
        self.but_not_after = [tuple(p.split()) for p in filters.get("but_not_after", [])]

    def suggest(self, doc: Doc) -> SuggesterResult:
        out = ResultBuilder()
        sents = sentences(doc)
        owner = sentence_index(doc, sents)
        parsed = has_parse(doc)
        for start, end, role in self.markers.find(doc):
            sent_no = owner[start]
            sent = sents[sent_no]
            previous = sents[sent_no - 1] if sent_no > 0 else None
            handler = getattr(self, f"_{role}", None)
            if handler is not None:
                handler(out, doc, sent, previous, start, end, parsed)
        if doc.has_annotation("ENT_IOB"):
            for ent in doc.ents:
                if ent.label_ in EVIDENCE_ENTS:
                    sent = sents[owner[ent.start]]
                    self._add(out, "evidence", sent, 0.3, f"figure ({ent.label_}) '{ent.text}'")
        return out.result

    # -- helpers --------------------------------------------------------------------------------
    def _add(self, out: ResultBuilder, label: str, span: Span | None, score: float, reason: str):
        if span is None or content_tokens(span) < MIN_TOKENS:
            return None
        return out.span(LAYER, label, span, score, reason, edge_words=EDGE_WORDS)

    @staticmethod
    def _marked_clause(doc: Doc, sent: Span, start: int) -> tuple[int, int] | None:
        """Token range of the clause a subordinating marker at `start` introduces, from the parse."""
        marker = doc[start]
        if marker.dep_ != "mark" or marker.head.i == marker.i:
            return None
        verb = marker.head
        lo, hi = max(verb.left_edge.i, sent.start), min(verb.right_edge.i + 1, sent.end)
        if not lo <= start < hi:
            return None
        return lo, hi

    @staticmethod
    def _comma_after(doc: Doc, sent: Span, start: int) -> int | None:
        for token in doc[start : sent.end]:
            if token.text in CLAUSE_PUNCT or token.lower_ == "then":
                return token.i
        return None

    def _split(self, doc, sent, start, end, parsed, reason, score):
        """(inner clause, outer clause, score, reason) for a subordinating marker at [start, end)."""
        if parsed:
            clause = self._marked_clause(doc, sent, start)
            if clause is None:
                return None, None, score, reason  # the parse does not make it a subordinate clause
            lo, hi = clause
            outer = doc[hi : sent.end] if is_initial(sent, lo) else doc[sent.start : lo]
            return doc[end:hi], outer, score + 0.1, f"{reason} (parse)"
        if is_initial(sent, start):
            comma = self._comma_after(doc, sent, end)
            if comma is None:
                return doc[end : sent.end], None, score, reason
            return doc[end:comma], doc[comma + 1 : clause_end(sent, comma + 1)], score, reason
        if doc[start].lower_ in AMBIGUOUS_MARKERS and doc[start - 1].text not in CLAUSE_PUNCT:
            return None, None, score, reason
        return doc[end : clause_end(sent, end)], doc[sent.start : start], score, reason

    # -- marker roles ---------------------------------------------------------------------------
    def _premise(self, out, doc, sent, previous, start, end, parsed):
        marker = doc[start:end].text.lower()
        following = doc[end].lower_ if end < len(doc) else ""
        if following == "of" or (end < len(doc) and doc[end].is_punct):
            return
        if marker == "since" and (
            following in self.since_not_before or (end < len(doc) and doc[end].like_num)
        ):
            return
        inner, outer, score, reason = self._split(
            doc, sent, start, end, parsed, f"premise marker '{marker}'", 0.45
        )
        premise = self._add(out, "premise", inner, score, reason)
        claim = self._add(out, "claim", outer, score - 0.05, f"claim supported by '{marker}' clause")
        out.relation(premise, claim, "supports", score - 0.05, f"'{marker}' joins premise to claim")

    def _condition(self, out, doc, sent, previous, start, end, parsed):
        has_then = any(t.lower_ == "then" for t in doc[end : sent.end])
        clause = self._marked_clause(doc, sent, start) if parsed else None
        if clause is None and not has_then:
            return
        inner, outer, score, reason = self._split(doc, sent, start, end, parsed, "'if … then' condition", 0.4)
        premise = self._add(out, "premise", inner, score, reason)
        claim = self._add(out, "claim", outer, score - 0.05, "consequence of an 'if' condition")
        out.relation(
            premise, claim, "leads-to", score - 0.05, "'if … then' leads from condition to consequence"
        )

    def _conclusion(self, out, doc, sent, previous, start, end, parsed):
        marker = doc[start:end].text.lower()
        if marker == "so":
            following = doc[end] if end < len(doc) else None
            if following is None or following.lower_ in self.so_not_before or following.is_punct:
                return
            if following.pos_ in {"ADJ", "ADV"} and following.lower_ not in {"now"}:
                return
            if not (
                is_initial(sent, start)
                or doc[start - 1].text in CLAUSE_PUNCT
                or doc[start - 1].lower_ == "and"
            ):
                return
        if end < sent.end and doc[end].lower_ == "that" and doc[end].dep_ in {"mark", ""}:
            end += 1  # "which means that …"
        if is_initial(sent, start):
            claim_span = doc[end : clause_end(sent, end)]
            premise_span = previous
        else:
            claim_span = doc[end : clause_end(sent, end)]
            premise_span = doc[sent.start : start]
        score = 0.5 if parsed else 0.45
        claim = self._add(out, "claim", claim_span, score, f"conclusion marker '{marker}'")
        if claim is None:
            return
        premise = self._add(out, "premise", premise_span, score - 0.1, f"leads to a '{marker}' conclusion")
        out.relation(premise, claim, "leads-to", score - 0.1, f"'{marker}' joins premise to conclusion")

    def _contrast(self, out, doc, sent, previous, start, end, parsed):
        marker = doc[start:end].text.lower()
        before = tuple(t.lower_ for t in doc[max(sent.start, start - 2) : start] if not t.is_punct)
        if any(before[-len(p) :] == p for p in self.but_not_after if p):
            return
        if marker in {"but", "yet", "still"}:
            if not (is_initial(sent, start) or doc[start - 1].text in CLAUSE_PUNCT):
                return
            if end < len(doc) and doc[end].lower_ in {"also", "not"}:
                return
        score = 0.4
        self._add(out, "claim", doc[end : clause_end(sent, end)], score, f"contrast marker '{marker}'")

    def _evidence(self, out, doc, sent, previous, start, end, parsed):
        marker = doc[start:end].text.lower()
        self._add(out, "evidence", sent, 0.35, f"evidence marker '{marker}'")
