"""Rhetorical devices: rhetorical questions, counterfactuals, exaggeration, appeal to fear,
loaded language and appeal to authority, from token patterns and the editable lexicons."""

from __future__ import annotations

from bisect import bisect_right
from typing import TYPE_CHECKING

from .base import (
    PhraseLexicon,
    ResultBuilder,
    SuggesterResult,
    content_tokens,
    has_tags,
    lexicon_version,
    lexicons,
    sentence_index,
    sentences,
    token_positions,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

LAYER = "rhetoric"
CLAUSE_BREAKS = {"—", "–", "(", ";", ":", "“", '"', "‘"}
CLAUSE_PUNCT = {",", ";", "—", "–", ":", "(", ")"}
MODALS = {"would", "could", "might", "should"}
QUOTE_CHARS = {"“", "”", '"', "‘", "’"}
SUPERLATIVE_TAGS = {"JJS", "RBS"}
NOT_EXAGGERATION = {"least", "latest", "last", "earliest", "next", "first"}
EXAGGERATION_TAILS = (("in", "the", "world"), ("in", "history"), ("of", "all", "time"), ("ever",))
AFFILIATION_WORDS = {"at", "of", "for", "with", "from"}
STOP_AFFILIATION = {",", ".", ";", "—", "–", "(", ")", "who", "which", "that", "“", "”", '"'}


class RhetoricSuggester:
    name = "rules-rhetoric"

    def __init__(self) -> None:
        data = lexicons()
        rhetoric = data["rhetoric"]
        self.version = f"1.{lexicon_version('rhetoric', 'speech_verbs')}"
        self.exaggeration = PhraseLexicon(
            {"exaggeration": rhetoric["exaggeration"], "not": rhetoric.get("exaggeration_not", [])}
        )
        self.superlatives = {
            p
            for p in rhetoric["exaggeration"]
            if p.startswith("most ") or p.endswith("est") or p in {"worst", "best"}
        }
        self.fear = PhraseLexicon({"appeal-to-fear": rhetoric["appeal-to-fear"]})
        self.loaded = PhraseLexicon({"loaded-language": rhetoric["loaded-language"]})
        self.titles = PhraseLexicon({"title": rhetoric["authority_titles"]})
        self.modifiers = set(rhetoric["authority_modifiers"])
        self.speech_verbs = set(data["speech_verbs"])

    def suggest(self, doc: Doc) -> SuggesterResult:
        out = ResultBuilder()
        sents = sentences(doc)
        owner = sentence_index(doc, sents)
        self._questions(out, doc, sents, owner)
        self._counterfactuals(out, doc, sents, owner)
        self._exaggerations(out, doc)
        self._fear(out, doc, sents, owner)
        for start, end, _ in self.loaded.find(doc):
            out.span(LAYER, "loaded-language", doc[start:end], 0.4, f"loaded term '{doc[start:end].text}'")
        self._authority(out, doc, sents, owner)
        return out.result

    def _questions(self, out, doc, sents, owner) -> None:
        for token in self._question_marks(doc):
            sent = sents[owner[token.i]]
            start = sent.start
            for i in range(token.i - 1, sent.start - 1, -1):
                if doc[i].text in CLAUSE_BREAKS:
                    start = i + 1
                    break
            question = doc[start : token.i + 1]
            if content_tokens(question) >= 3:
                out.span(LAYER, "rhetorical-question", question, 0.45, "question in an argumentative text")

    @staticmethod
    def _question_marks(doc: Doc) -> list[Token]:
        """The tokens that end with a question mark, found from the text rather than token by token."""
        text = doc.text
        at = text.find("?")
        if at == -1:
            return []
        starts = doc.to_array("IDX").tolist()  # each token's first character, ascending
        found = []
        while at != -1:
            token = doc[bisect_right(starts, at) - 1]
            if token.idx + len(token.text) == at + 1:
                found.append(token)
            at = text.find("?", at + 1)
        return found

    def _counterfactuals(self, out, doc, sents, owner) -> None:
        # Both patterns need a modal verb, so only sentences with one are read word by word.
        with_modal = sorted({owner[i] for i in token_positions(doc, "LOWER", MODALS)})
        for sent in (sents[number] for number in with_modal):
            words = [t.lower_ for t in sent]
            if "if" in words:
                after_if = words[words.index("if") :]
                if "had" in after_if and MODALS & set(after_if[after_if.index("had") :]):
                    out.span(LAYER, "counterfactual", sent, 0.6, "'if … had …, … would' pattern")
                    continue
            for k, word in enumerate(words[:-2]):
                nxt = k + 1 + (words[k + 1] in {"not", "never", "n't"})
                if (
                    word in MODALS
                    and nxt + 1 < len(words)
                    and words[nxt] == "have"
                    and words[nxt + 1] != "to"
                ):
                    clause = self._clause(doc, sent, sent.start + k)
                    out.span(LAYER, "counterfactual", clause, 0.4, f"'{word} have' + past participle")
                    break

    @staticmethod
    def _clause(doc: Doc, sent: Span, i: int) -> Span:
        start = i
        while start > sent.start and doc[start - 1].text not in CLAUSE_PUNCT and not doc[start - 1].is_space:
            start -= 1
        end = i
        while end < sent.end and doc[end].text not in CLAUSE_PUNCT and not doc[end].is_space:
            end += 1
        return doc[start:end]

    def _exaggerations(self, out, doc) -> None:
        covered: set[int] = set()
        candidates = [(s, e, g) for s, e, g in self.exaggeration.find(doc) if g == "exaggeration"]
        if has_tags(doc):
            known = {s for s, _, _ in candidates}
            for i in token_positions(doc, "TAG", SUPERLATIVE_TAGS):
                token = doc[i]
                after_the = token.i > 0 and doc[token.i - 1].lower_ == "the"
                if after_the and token.i not in known and token.lower_ not in NOT_EXAGGERATION:
                    candidates.append((token.i, token.i + 1 + (token.tag_ == "RBS"), "superlative"))
            candidates.sort()
        for start, end, group in candidates:
            if start in covered:
                continue
            phrase = doc[start:end].text.lower()
            superlative = group == "superlative" or phrase in self.superlatives
            if superlative:
                if start > 0 and doc[start - 1].lower_ == "the":
                    start -= 1
                end = self._extend_superlative(doc, end)
            if end > len(doc) or start >= end:
                continue
            covered.update(range(start, end))
            score, kind = (0.45, "superlative") if superlative else (0.3, "absolute")
            out.span(LAYER, "exaggeration", doc[start:end], score, f"{kind} '{phrase}'")

    @staticmethod
    def _extend_superlative(doc: Doc, end: int) -> int:
        extra = 0
        while end < len(doc) and extra < 2 and doc[end].is_alpha and not doc[end].is_stop:
            end += 1
            extra += 1
        for tail in EXAGGERATION_TAILS:
            words = tuple(t.lower_ for t in doc[end : end + len(tail)])
            if words == tail:
                return end + len(tail)
        return end

    def _fear(self, out, doc, sents, owner) -> None:
        by_sentence: dict[int, list[str]] = {}
        for start, end, _ in self.fear.find(doc):
            by_sentence.setdefault(owner[start], []).append(doc[start:end].text)
        for number, terms in sorted(by_sentence.items()):
            sent = sents[number]
            if content_tokens(sent) < 4:
                continue
            score = min(0.7, 0.35 + 0.1 * (len(terms) - 1))
            out.span(LAYER, "appeal-to-fear", sent, score, "fear terms: " + ", ".join(dict.fromkeys(terms)))

    def _authority(self, out, doc, sents, owner) -> None:
        covered: set[int] = set()
        for start, end, _ in self.titles.find(doc):
            if start in covered:
                continue
            number = owner[start]
            near = self._near_quote(doc, sents, number)
            if not near:
                continue
            lo, hi = self._title_phrase(doc, sents[number], start, end)
            covered.update(range(lo, hi))
            out.span(
                LAYER,
                "appeal-to-authority",
                doc[lo:hi],
                0.4 if near == "same" else 0.35,
                f"title or affiliation '{doc[start:end].text}' next to a quotation or reported speech",
            )

    def _near_quote(self, doc, sents, number) -> str:
        sent = sents[number]
        if any(t.text in QUOTE_CHARS or t.lower_ in self.speech_verbs for t in sent):
            return "same"
        for other in (number - 1, number + 1):
            if 0 <= other < len(sents):
                first = next((t for t in sents[other] if not t.is_space), None)
                if first is not None and first.text in {"“", '"', "‘"}:
                    return "adjacent"
        return ""

    def _title_phrase(self, doc: Doc, sent: Span, start: int, end: int) -> tuple[int, int]:
        lo = start
        while lo > sent.start:
            prev = doc[lo - 1]
            if (
                prev.lower_ in self.modifiers
                or prev.text == "-"
                or (prev.is_title and not prev.is_sent_start)
            ):
                lo -= 1
            else:
                break
        # "John Delury, associate professor at …": take the name before the comma too.
        if lo - 2 >= sent.start and doc[lo - 1].text == "," and doc[lo - 2].is_title:
            name = lo - 2
            while name > sent.start and doc[name - 1].is_title:
                name -= 1
            lo = name
        hi = end
        if hi < sent.end and doc[hi].lower_ in AFFILIATION_WORDS:
            limit = min(sent.end, hi + 14)
            while hi < limit and doc[hi].text not in STOP_AFFILIATION and not doc[hi].is_space:
                hi += 1
        return lo, hi
