"""Rule-based suggesters: each reads a parsed spaCy Doc and proposes spans, relations or a stance."""

from .argument import ArgumentSuggester
from .attribution import AttributionSuggester
from .base import Proposal, RelationProposal, StanceProposal, Suggester, SuggesterResult
from .rhetoric import RhetoricSuggester
from .stance import StanceSuggester

__all__ = [
    "ArgumentSuggester",
    "AttributionSuggester",
    "Proposal",
    "RelationProposal",
    "RhetoricSuggester",
    "StanceProposal",
    "StanceSuggester",
    "Suggester",
    "SuggesterResult",
    "default_suggesters",
]


def default_suggesters() -> list[Suggester]:
    """The suggesters `manage.py suggest` runs, in order."""
    return [ArgumentSuggester(), AttributionSuggester(), RhetoricSuggester(), StanceSuggester()]
