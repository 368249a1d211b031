"""Sources and attribution: reported speech, "according to X" and quotations with a speech verb.

Proposes `source` spans for who is speaking, the reported content (a `claim`, or the quoted
passage as `evidence`) and an `attributed-to` relation from the content to its source. Named
entities (PERSON/ORG/NORP/GPE) widen a source to the whole name when the pipeline has them.
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
    line_breaks,
    sentence_index,
    sentences,
    token_positions,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

SOURCE_ENTS = {"PERSON", "ORG", "NORP", "GPE"}
QUOTE_PAIRS = {"“": "”", "‘": "’", '"': '"', "«": "»"}
QUOTE_MARKS = set(QUOTE_PAIRS) | set(QUOTE_PAIRS.values())
MAX_QUOTE_TOKENS = 150
MAX_SOURCE_TOKENS = 8
SUBJECT_DEPS = {"nsubj", "nsubjpass"}
NAME_PARTS = {"-", ".", "'s", "’s"}


class AttributionSuggester:
    name = "rules-attribution"

    def __init__(self) -> None:
        data = lexicons()
        self.version = f"1.{lexicon_version('speech_verbs', 'attribution_markers', 'source_pronouns')}"
        self.speech_verbs = set(data["speech_verbs"])
        self.pronouns = set(data["source_pronouns"])
        self.markers = PhraseLexicon({"according": data["attribution_markers"]})

    def suggest(self, doc: Doc) -> SuggesterResult:
        out = ResultBuilder()
        sents = sentences(doc)
        owner = sentence_index(doc, sents)
        parsed = has_parse(doc)
        entities = self._entities(doc)
        for start, end, _ in self.markers.find(doc):
            self._according_to(out, doc, sents[owner[start]], start, end, parsed, entities)
        used_verbs: set[int] = set()
        for open_i, close_i in self._quotes(doc):
            quote = doc[open_i + 1 : close_i]
            if content_tokens(quote) < 4:
                continue
            verb = self._speech_verb_near(doc, open_i, close_i)
            if verb is None:
                continue
            used_verbs.add(verb.i)
            source = self._speaker(doc, verb, parsed, entities)
            if source is None:
                continue
            evidence = out.span("argument", "evidence", quote, 0.5, f"quotation with '{verb.text}'")
            source_index = out.span(
                "source", "source", source, 0.55, f"speaker of a quotation ('{verb.text}')"
            )
            out.relation(evidence, source_index, "attributed-to", 0.5, "quotation attributed to its speaker")
        for i in token_positions(doc, "LOWER", self.speech_verbs):
            token = doc[i]
            if i in used_verbs:
                continue
            if parsed and token.pos_ not in {"VERB", "AUX"}:
                continue
            source = self._speaker(doc, token, parsed, entities)
            if source is None:
                continue
            source_index = out.span("source", "source", source, 0.5, f"subject of speech verb '{token.text}'")
            content = self._reported_content(doc, sents[owner[token.i]], token, parsed)
            if content is not None and content_tokens(content) >= 3:
                claim = out.span(
                    "argument",
                    "claim",
                    content,
                    0.4,
                    f"reported with '{token.text}'",
                    edge_words=("that",),
                )
                out.relation(claim, source_index, "attributed-to", 0.4, f"reported speech ('{token.text}')")
        return out.result

    # -- sources --------------------------------------------------------------------------------
    @staticmethod
    def _entities(doc: Doc) -> dict[int, Span]:
        if not doc.has_annotation("ENT_IOB"):
            return {}
        return {t.i: ent for ent in doc.ents if ent.label_ in SOURCE_ENTS for t in ent}

    def _according_to(self, out, doc, sent, start, end, parsed, entities) -> None:
        source = self._source_after(doc, sent, end, parsed, entities)
        if source is None:
            return
        source_index = out.span("source", "source", source, 0.6, "named after 'according to'")
        if is_initial(sent, start):
            phrase_end = next((t.i for t in doc[source.end : sent.end] if t.text in {",", ";"}), sent.end)
            content = doc[phrase_end : sent.end]
        else:
            content = doc[sent.start : start]
        if content_tokens(content) >= 3:
            claim = out.span("argument", "claim", content, 0.45, "attributed with 'according to'")
            out.relation(claim, source_index, "attributed-to", 0.5, "'according to' attribution")

    def _source_after(self, doc, sent, i, parsed, entities) -> Span | None:
        if i >= sent.end:
            return None
        if i in entities:
            return entities[i]
        if i + 1 < sent.end and doc[i].lower_ == "the" and i + 1 in entities:
            return entities[i + 1]
        if parsed:
            noun = next((c for c in doc[i - 1].children if c.dep_ == "pobj"), None)
            if noun is not None:
                return self._noun_phrase(doc, noun)
        return self._name_run(doc, i, sent.end, step=1)

    def _speaker(self, doc: Doc, verb: Token, parsed: bool, entities) -> Span | None:
        if parsed:
            subject = next((c for c in verb.children if c.dep_ in SUBJECT_DEPS), None)
            if subject is None or subject.pos_ == "PRON" or subject.lower_ in self.pronouns:
                return None
            if subject.i in entities:
                return entities[subject.i]
            return self._noun_phrase(doc, subject)
        before = self._name_run(doc, verb.i - 1, -1, step=-1)
        if before is not None:
            return before
        after = verb.i + 1
        return self._name_run(doc, after, len(doc), step=1)

    @staticmethod
    def _noun_phrase(doc: Doc, head: Token) -> Span | None:
        """The head noun with what stands before it in its phrase (determiner, modifiers, compounds)."""
        start = head.left_edge.i
        if head.i - start >= MAX_SOURCE_TOKENS:
            start = head.i
            while start > 0 and doc[start - 1].dep_ in {"compound", "amod", "det", "flat"}:
                start -= 1
        return doc[start : head.i + 1]

    def _name_run(self, doc: Doc, i: int, stop: int, step: int) -> Span | None:
        """Capitalised tokens (a name) starting at `i` and moving by `step`, without a parse."""
        picked: list[int] = []
        while i != stop and 0 <= i < len(doc) and len(picked) < MAX_SOURCE_TOKENS:
            token = doc[i]
            joined = picked and (token.text in NAME_PARTS or doc[i - step].text == "-")
            if token.is_title and not token.is_sent_start or (joined and not token.is_space):
                picked.append(i)
                i += step
                continue
            break
        if not picked:
            return None
        lo, hi = min(picked), max(picked) + 1
        span = doc[lo:hi]
        if span.text.lower() in self.pronouns:
            return None
        return span

    # -- quotations and reported content --------------------------------------------------------
    @staticmethod
    def _quotes(doc: Doc) -> list[tuple[int, int]]:
        """(opening, closing) token indices of quotations, outermost only, within a paragraph."""
        breaks = line_breaks(doc)
        # Only quotation marks and line breaks matter, so walk those instead of every token.
        events = sorted(token_positions(doc, "ORTH", QUOTE_MARKS) + breaks)
        stops = set(breaks)
        found = []
        consumed = -1
        for k, i in enumerate(events):
            if i <= consumed:
                continue
            closing = QUOTE_PAIRS.get(doc[i].text)
            if closing is None or not (
                i == 0 or doc[i - 1].whitespace_ or doc[i - 1].is_space or doc[i - 1].is_punct
            ):
                continue
            limit = min(len(doc), i + MAX_QUOTE_TOKENS)
            for j in events[k + 1 :]:
                if j >= limit or j in stops:
                    break
                if doc[j].text == closing:
                    found.append((i, j))
                    consumed = j
                    break
        return found

    def _speech_verb_near(self, doc: Doc, open_i: int, close_i: int) -> Token | None:
        for token in doc[close_i + 1 : min(len(doc), close_i + 5)]:
            if token.lower_ in self.speech_verbs:
                return token
            if not (token.is_punct or token.is_title or token.lower_ in self.pronouns):
                break
        for token in reversed(doc[max(0, open_i - 3) : open_i]):
            if token.lower_ in self.speech_verbs:
                return token
            if not token.is_punct:
                break
        return None

    @staticmethod
    def _reported_content(doc: Doc, sent: Span, verb: Token, parsed: bool) -> Span | None:
        if parsed:
            clause = next((c for c in verb.children if c.dep_ == "ccomp"), None)
            if clause is None or clause.i < verb.i:
                return None
            return doc[clause.left_edge.i : clause.right_edge.i + 1]
        if verb.i + 1 < sent.end and doc[verb.i + 1].lower_ == "that":
            return doc[verb.i + 2 : clause_end(sent, verb.i + 2)]
        return None
