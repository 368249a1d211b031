"""`manage.py benchmark suggest`: its corpus, and a small run that leaves nothing behind."""

import tempfile
from pathlib import Path

import pytest

from annotator.benchmarks.suggest import _steps, benchmark_texts, run
from annotator.models import Project, Suggestion
from corpus.models import Document


def test_the_corpus_has_distinct_articles_adding_up_to_the_words_asked_for():
    texts = benchmark_texts(5_000)
    assert len(set(texts)) == len(texts)
    assert 5_000 <= sum(len(text.split()) for text in texts) < 5_000 + 1_000


def test_steps_keep_every_worker_within_one_pipe_batch():
    assert _steps(102, 1) == 4 and _steps(102, 2) == 2 and _steps(10, 2) == 1


@pytest.mark.django_db
def test_a_small_run_measures_both_phases_in_a_throw_away_database():
    before = set(Path(tempfile.gettempdir()).glob("stancemark-benchmark-suggest-*"))
    rows = run(words=1_500, workers=(1, 2), rounds=1, pipeline="blank:en")
    measures = {row.what: row for row in rows}
    assert measures["baseline: raw nlp.pipe, 1 process, warm"].value > 0
    assert measures["pre-annotation with database writes, 2 processes"].value > 0
    share = measures["  share of raw nlp.pipe, 1 process"]
    assert share.unit == "%" and share.target == ">= 90%" and share.ok is not None
    assert "  scaling: pre-annotation, 2 processes over 1" in measures
    # Nothing in the test database, and the temporary folder is gone.
    assert not Project.objects.exists() and not Document.objects.exists() and not Suggestion.objects.exists()
    assert set(Path(tempfile.gettempdir()).glob("stancemark-benchmark-suggest-*")) == before
