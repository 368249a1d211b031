"""Imports write rows with one executemany per table: defaults filled, keys found, queries flat."""

import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import label_of

from annotator.models import DocumentLabel, Membership, Relation, Span
from annotator.services.bulk_rows import rows_insert
from corpus.services import corpus_import

pytestmark = pytest.mark.django_db


def test_rows_written_in_one_go_get_the_model_defaults(annotation_set):
    claim = label_of(annotation_set.project, "argument", "claim")
    written = rows_insert(
        Span,
        ["annotation_set", "label", "start", "end", "attributes"],
        [(annotation_set.pk, claim.pk, 0, 5, {"note": "first"}), (annotation_set.pk, claim.pk, 6, 9, {})],
    )
    assert written == 2
    first, second = Span.objects.filter(annotation_set=annotation_set).order_by("start")
    assert (first.attributes, second.attributes) == ({"note": "first"}, {})
    assert (first.origin, first.provenance, first.score) == (Span.Origin.MANUAL, {}, None)
    assert first.created_at is not None


def test_nothing_to_write_runs_no_query():
    with CaptureQueriesContext(connection) as queries:
        assert rows_insert(Span, ["start", "end"], []) == 0
    assert len(queries) == 0


def _articles(path: Path, count: int) -> Path:
    """`count` articles, each with two spans, a relation and a stance citing a span."""
    with path.open("w", encoding="utf-8") as stream:
        for n in range(count):
            text = f"Article {n}. Sanctions have failed. Talks are the only way."
            claim, premise = text.index("Sanctions"), text.index("Talks")
            record = {
                "text": text,
                "spans": [
                    {"id": "a", "start": claim, "end": claim + 22, "layer": "argument", "label": "claim"},
                    {
                        "id": "b",
                        "start": premise,
                        "end": premise + 22,
                        "layer": "argument",
                        "label": "premise",
                    },
                ],
                "relations": [{"head": "b", "tail": "a", "label": "supports"}],
                "stance": {"label": "pro-engagement", "confidence": 4, "rationale": ["b"]},
            }
            stream.write(json.dumps(record) + "\n")
    return path


def _import(project, annotator, path: Path):
    return corpus_import(
        corpus=project.corpus, path=path, format="jsonl", project=project, annotator=annotator
    )


def test_relations_and_rationale_point_at_the_spans_written_for_them(project, annotator, tmp_path):
    Membership.objects.get_or_create(project=project, user=annotator)
    report = _import(project, annotator, _articles(tmp_path / "a.jsonl", 3))
    assert (report.spans, report.relations, report.document_labels) == (6, 3, 3)
    for relation in Relation.objects.select_related("head__label", "tail__label"):
        assert (
            relation.head.annotation_set_id == relation.tail.annotation_set_id == relation.annotation_set_id
        )
        assert (relation.head.label.value, relation.tail.label.value) == ("premise", "claim")
    for row in DocumentLabel.objects.prefetch_related("rationale"):
        (span,) = row.rationale.all()
        assert (span.annotation_set_id, span.label.value) == (row.annotation_set_id, "premise")


def test_a_bigger_file_takes_no_more_queries_within_a_batch(project, annotator, tmp_path):
    Membership.objects.get_or_create(project=project, user=annotator)
    small, big = _articles(tmp_path / "small.jsonl", 2), _articles(tmp_path / "big.jsonl", 40)
    with CaptureQueriesContext(connection) as few:
        _import(project, annotator, small)
    project.corpus.documents.all().delete()
    with CaptureQueriesContext(connection) as many:
        _import(project, annotator, big)
    assert len(many) == len(few)
