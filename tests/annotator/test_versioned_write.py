"""Writes guarded by the annotation set version: all of a write or none of it, on both databases."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import SpanFactory

from annotator import selectors
from annotator.models import AnnotationSet, AuditEvent, DocumentLabel, Relation, Span
from annotator.services import annotations as services
from annotator.services.audit import audit_snapshot
from annotator.services.errors import StaleVersion
from annotator.services.versioned_write import VersionedWrite

pytestmark = pytest.mark.django_db


def fresh(annotation_set) -> AnnotationSet:
    return AnnotationSet.objects.get(pk=annotation_set.pk)


def test_a_new_span_is_audited_exactly_as_it_was_stored(annotation_set):
    span = services.span_create(
        annotation_set=annotation_set, version=1, layer="argument", label="claim", start=2, end=11
    )
    event = AuditEvent.objects.get(action="span.create")
    assert event.after == audit_snapshot(Span.objects.get(pk=span.pk))
    assert event.after["id"] == span.pk


def test_a_stale_span_delete_leaves_the_span_its_relations_and_no_event(annotation_set):
    head = SpanFactory(annotation_set=annotation_set, start=2, end=5)
    tail = SpanFactory(annotation_set=annotation_set, start=6, end=9)
    services.relation_create(
        annotation_set=annotation_set, version=1, label="supports", head=head.pk, tail=tail.pk
    )
    with pytest.raises(StaleVersion):
        services.span_delete(span=Span.objects.get(pk=head.pk), version=1)
    assert Span.objects.filter(pk=head.pk).exists()
    assert Relation.objects.filter(head=head).count() == 1
    assert not AuditEvent.objects.filter(action="span.delete").exists()
    assert fresh(annotation_set).version == 2


def test_a_new_stance_with_a_rationale_is_written_in_one_go(annotation_set):
    reasons = [SpanFactory(annotation_set=annotation_set, start=s, end=s + 3).pk for s in (8, 2)]
    row = services.document_label_set(
        annotation_set=annotation_set, version=1, label="pro-engagement", rationale=reasons
    )
    stored = DocumentLabel.objects.get(pk=row.pk)
    assert sorted(stored.rationale.values_list("pk", flat=True)) == sorted(reasons)
    event = AuditEvent.objects.get(action="document_label.set")
    assert (event.after["id"], event.after["rationale"]) == (row.pk, sorted(reasons))


def test_a_stale_stance_change_keeps_the_earlier_stance_and_rationale(annotation_set):
    reason = SpanFactory(annotation_set=annotation_set, start=2, end=5)
    services.document_label_set(
        annotation_set=annotation_set, version=1, label="pro-engagement", rationale=[reason.pk]
    )
    with pytest.raises(StaleVersion):
        services.document_label_set(
            annotation_set=annotation_set, version=1, label="pro-sanctions", rationale=[]
        )
    stored = DocumentLabel.objects.get(annotation_set=annotation_set)
    assert stored.label.value == "pro-engagement"
    assert list(stored.rationale.values_list("pk", flat=True)) == [reason.pk]
    assert AuditEvent.objects.filter(action="document_label.set").count() == 1


def test_a_stale_submit_leaves_the_set_in_progress(annotation_set):
    services.span_create(annotation_set=annotation_set, version=1, layer=None, label="claim", start=2, end=5)
    with pytest.raises(StaleVersion) as error:
        services.annotation_set_submit(annotation_set=fresh(annotation_set), version=1)
    assert (error.value.expected, error.value.current) == (1, 2)
    assert fresh(annotation_set).status == AnnotationSet.Status.IN_PROGRESS
    assert not AuditEvent.objects.filter(action="annotation_set.submit").exists()


def test_the_guard_sets_the_fields_given_with_the_version(annotation_set):
    write = VersionedWrite(annotation_set, 1, status=AnnotationSet.Status.SUBMITTED)
    write.run()
    stored = fresh(annotation_set)
    assert (stored.version, stored.status) == (2, AnnotationSet.Status.SUBMITTED)
    assert (annotation_set.version, annotation_set.status) == (2, AnnotationSet.Status.SUBMITTED)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement per write is PostgreSQL's path")
def test_on_postgresql_a_span_create_is_one_statement_once_the_labels_are_known(annotation_set):
    services.span_create(
        annotation_set=fresh(annotation_set), version=1, layer=None, label="claim", start=2, end=5
    )
    annotation_set = selectors.annotation_set_for_user(annotation_set.annotator, annotation_set.pk)
    with CaptureQueriesContext(connection) as queries:
        services.span_create(
            annotation_set=annotation_set, version=2, layer=None, label="premise", start=6, end=9
        )
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) == 1, statements
    assert statements[0].startswith("WITH g AS (UPDATE")


def test_a_duplicate_span_is_refused_by_the_guard_and_changes_nothing(annotation_set):
    services.span_create(
        annotation_set=fresh(annotation_set), version=1, layer=None, label="claim", start=2, end=5
    )
    with pytest.raises(ValidationError) as error:
        services.span_create(
            annotation_set=fresh(annotation_set), version=2, layer=None, label="claim", start=2, end=5
        )
    assert error.value.error_dict["label"][0].code == "duplicate"
    assert fresh(annotation_set).version == 2
    assert Span.objects.filter(annotation_set=annotation_set).count() == 1
    assert AuditEvent.objects.filter(action="span.create").count() == 1


def test_a_stale_duplicate_is_reported_as_the_duplicate(annotation_set):
    services.span_create(
        annotation_set=fresh(annotation_set), version=1, layer=None, label="claim", start=2, end=5
    )
    with pytest.raises(ValidationError):
        services.span_create(
            annotation_set=fresh(annotation_set), version=1, layer=None, label="claim", start=2, end=5
        )
