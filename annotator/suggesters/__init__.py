"""Suggesters: each reads a parsed spaCy Doc and proposes spans, relations or a stance."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .argument import ArgumentSuggester
from .attribution import AttributionSuggester
from .base import Proposal, RelationProposal, StanceProposal, Suggester, SuggesterResult
from .rhetoric import RhetoricSuggester
from .stance import StanceSuggester

if TYPE_CHECKING:
    from annotator.models import Project

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


def default_suggesters(project: Project | None = None) -> list[Suggester]:
    """The suggesters `manage.py suggest` runs, in order: the rules, then the project's active models."""
    rules: list[Suggester] = [
        ArgumentSuggester(),
        AttributionSuggester(),
        RhetoricSuggester(),
        StanceSuggester(),
    ]
    if project is None:
        return rules
    from .learned import active_learned_suggesters

    return [*rules, *active_learned_suggesters(project)]
