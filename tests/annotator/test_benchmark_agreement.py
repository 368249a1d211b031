"""`manage.py benchmark agreement`: its fixture and a small run that leaves nothing behind."""

import tempfile
from pathlib import Path

import pytest

from annotator.benchmarks.agreement import benchmark_fixture, run
from annotator.models import AnnotationSet, Project, Span
from annotator.services.agreement_report import project_agreement
from corpus.models import Document


def test_the_fixture_gives_every_annotator_a_submitted_set_with_a_stance_spans_and_relations(
    seeded_project,
):
    counts = benchmark_fixture(seeded_project, documents=50, annotators=3)
    assert counts["annotation_sets"] == 150 and counts["stances"] == 150
    assert 8 * 150 <= counts["spans"] <= 10 * 150 and counts["relations"] > 150
    report = project_agreement(seeded_project)
    assert report["n_documents"] == 50 and report["stance"]["n_annotators"] == 3
    assert 0 < report["spans"]["argument"]["exact"]["f1"] < 1
    assert report["stance"]["alpha_nominal"] is not None


@pytest.mark.django_db
def test_a_small_run_times_agreement_in_a_throw_away_database():
    before = set(Path(tempfile.gettempdir()).glob("stancemark-benchmark-agreement-*"))
    rows = {row.what: row for row in run(documents=50, rounds=1)}
    assert rows["documents × 3 annotators, submitted"].value == 50
    timed = rows["project_agreement, loading included"]
    assert timed.value > 0 and timed.target == "<= 5 s" and timed.ok is not None
    assert rows["baseline: read the spans, one raw SQL query"].value > 0
    assert not Project.objects.exists() and not Document.objects.exists()
    assert not AnnotationSet.objects.exists() and not Span.objects.exists()
    assert set(Path(tempfile.gettempdir()).glob("stancemark-benchmark-agreement-*")) == before
