"""Learned suggesters: a project's active trained `textcat` (stance) and `spancat` (argument, rhetoric).

A model is active only after it scored higher than the rules on the project's held-out gold
(`services/training.py`). Each suggester keeps a stable name (`learned-textcat`, `learned-spancat`)
so a newer version replaces the older one's suggestions, and the model version as its version.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from .base import Proposal, StanceProposal, SuggesterResult, sentences, trim

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from annotator.models import Project, TrainedModel

logger = logging.getLogger(__name__)

MAX_SENTENCES = 3


@functools.lru_cache(maxsize=8)
def load_model(path: str) -> Language:
    """Load a saved model once per path (a version's folder never changes once it is ready)."""
    import spacy

    import annotator.suggesters.candidates  # noqa: F401 - registers the spancat's clause suggester

    return spacy.load(path)


class LearnedSuggester:
    """Shared by both kinds: the name, version and the model loaded from the TrainedModel's path."""

    kind = ""

    def __init__(self, trained: TrainedModel) -> None:
        self.name = f"learned-{self.kind}"
        self.version = f"v{trained.version}"
        self.reason = f"trained model v{trained.version}"
        self.path = trained.path
        self.nlp = load_model(trained.path)

    def suggest(self, doc: Doc) -> SuggesterResult:
        raise NotImplementedError


class LearnedStanceSuggester(LearnedSuggester):
    """The textcat's stance with its probability, and the sentences it rates highest for that stance."""

    kind = "textcat"

    def suggest(self, doc: Doc) -> SuggesterResult:
        from annotator.services.training import predicted_stance

        label, score = predicted_stance(self.nlp(doc.text))
        sents = [span for span in (trim(s, punct=False) for s in sentences(doc)) if span is not None]
        rated = []
        for sent, parsed in zip(sents, self.nlp.pipe(s.text for s in sents), strict=True):
            best, probability = predicted_stance(parsed)
            if best == label:
                rated.append((probability, sent.start_char, sent.end_char))
        driving = sorted((start, end) for _, start, end in sorted(rated, reverse=True)[:MAX_SENTENCES])
        return SuggesterResult(
            stance=StanceProposal(label, round(score, 3), driving, f"{self.reason} (p={score:.2f})")
        )


class LearnedSpanSuggester(LearnedSuggester):
    """The spancat's spans, labelled `layer:label`, each with its probability as the score."""

    kind = "spancat"

    def suggest(self, doc: Doc) -> SuggesterResult:
        from annotator.services.training import predicted_spans

        result = SuggesterResult()
        for start, end, key, score in predicted_spans(self.nlp(doc.text)):
            layer, _, label = key.partition(":")
            result.spans.append(Proposal(layer, label, start, end, score, f"{self.reason} (p={score:.2f})"))
        result.spans.sort(key=lambda p: (p.start, p.end, p.layer, p.label))
        return result


SUGGESTERS = {
    LearnedStanceSuggester.kind: LearnedStanceSuggester,
    LearnedSpanSuggester.kind: LearnedSpanSuggester,
}


def active_learned_suggesters(project: Project) -> list[LearnedSuggester]:
    """A suggester for each active, ready model of the project; a model whose folder is gone is skipped."""
    from annotator.models import TrainedModel

    result = []
    active = TrainedModel.objects.filter(
        project=project, is_active=True, status=TrainedModel.Status.READY
    ).order_by("kind", "-version")
    seen: set[str] = set()
    for trained in active:
        if trained.kind in seen or trained.kind not in SUGGESTERS:
            continue
        if not trained.path or not Path(trained.path).is_dir():
            logger.warning("Trained model %s has no folder at '%s'; it is not used.", trained, trained.path)
            continue
        try:
            result.append(SUGGESTERS[trained.kind](trained))
        except (OSError, ValueError) as error:
            logger.warning("Trained model %s does not load (%s); it is not used.", trained, error)
            continue
        seen.add(trained.kind)
    return result
