"""A document stance guess from engagement versus sanctions framing, negation-aware.

Each lexicon hit counts +1 for engagement or -1 for sanctions; a negator shortly before the
term ("lift the sanctions", "not talks") or a failure word right after it ("sanctions have
failed") flips it. The sentences that pushed hardest towards the winning side are returned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import (
    PhraseLexicon,
    StanceProposal,
    SuggesterResult,
    lexicon_version,
    lexicons,
    sentence_index,
    sentences,
    trim,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc

FAILURE_AFTER = {"failed", "fail", "fails", "backfired", "backfire", "useless", "counterproductive"}
MAX_SENTENCES = 5


class StanceSuggester:
    name = "rules-stance"

    def __init__(self) -> None:
        stance = lexicons()["stance"]
        self.version = f"1.{lexicon_version('stance')}"
        self.terms = PhraseLexicon({"engagement": stance["engagement"], "sanctions": stance["sanctions"]})
        self.negators = set(stance["negators"])
        self.window = int(stance.get("window", 3))

    def suggest(self, doc: Doc) -> SuggesterResult:
        sents = sentences(doc)
        owner = sentence_index(doc, sents)
        scores: dict[int, int] = {}
        hits = 0
        for start, end, group in self.terms.find(doc):
            number = owner[start]
            sent = sents[number]
            polarity = 1 if group == "engagement" else -1
            if self._negated(doc, sent, start, end):
                polarity = -polarity
            scores[number] = scores.get(number, 0) + polarity
            hits += 1
        total = sum(scores.values())
        if hits == 0:
            stance = StanceProposal("not-about-policy", 0.3, [], "no engagement or sanctions framing found")
        elif abs(total) < max(1.0, 0.2 * hits):
            driving = sorted(scores, key=lambda n: -abs(scores[n]))[:MAX_SENTENCES]
            stance = StanceProposal(
                "neutral-or-mixed",
                0.35,
                self._offsets(sents, driving),
                f"{hits} framing terms, balanced (net {total:+d})",
            )
        else:
            sign = 1 if total > 0 else -1
            driving = sorted((n for n in scores if scores[n] * sign > 0), key=lambda n: -abs(scores[n]))
            label = "pro-engagement" if sign > 0 else "pro-sanctions"
            stance = StanceProposal(
                label,
                round(min(0.9, 0.4 + 0.5 * abs(total) / hits), 3),
                self._offsets(sents, driving[:MAX_SENTENCES]),
                f"{hits} framing terms, net {total:+d} towards {label}",
            )
        return SuggesterResult(stance=stance)

    def _negated(self, doc, sent, start: int, end: int) -> bool:
        """A negator up to `window` tokens before the term (not across punctuation), or failure after it."""
        for token in reversed(doc[max(sent.start, start - self.window) : start]):
            if token.is_punct:
                break
            if token.lower_ in self.negators:
                return True
        for token in doc[end : min(sent.end, end + 3)]:
            if token.is_punct:
                break
            if token.lower_ in FAILURE_AFTER:
                return True
        return False

    @staticmethod
    def _offsets(sents, numbers) -> list[tuple[int, int]]:
        result = []
        for number in sorted(numbers):
            span = trim(sents[number], punct=False)
            if span is not None:
                result.append((span.start_char, span.end_char))
        return result
