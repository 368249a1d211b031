"""Write services for one annotator's work: spans, relations, document labels, submission.

Every write names the annotation set version it was based on; the version moves on by one
with each accepted write, and a write based on an older version raises StaleVersion.
"""

import functools
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from annotator import plain_sql as sql
from annotator import spans as offsets
from annotator.exporters.records import rationale_ids
from annotator.labels import labels_named
from annotator.models import (
    AnnotationSet,
    Comment,
    DocumentLabel,
    Label,
    Layer,
    Project,
    Relation,
    Span,
    SuggestionDecision,
)
from annotator.services.audit import audit_changed, audit_record, audit_snapshot
from annotator.services.errors import NotAllowed, StaleVersion, invalid
from annotator.services.versioned_write import MAX_ID, VersionedWrite, check_version
from corpus.models import Document

MAX_STEP = 10_000

# --- checks (no writes) -------------------------------------------------------------------


def check_label(project: Project, kind: str, label: str, layer: str | None = None) -> Label:
    """Return the label `label` of a layer of this kind in the project's scheme."""
    if not isinstance(label, str) or not label:
        raise invalid("label", "label is required.", "required")
    found = labels_named(project.scheme, kind, label, layer)
    # The layer is looked up only to explain a miss.
    if (
        not found
        and layer is not None
        and not Layer.objects.filter(scheme_id=project.scheme_id, key=layer, kind=kind).exists()
    ):
        raise invalid(
            "layer", f"'{layer}' is not a {kind} layer of scheme '{project.scheme.slug}'.", "unknown_layer"
        )
    if not found:
        where = f"layer '{layer}'" if layer else f"the {kind} layers of scheme '{project.scheme.slug}'"
        raise invalid("label", f"'{label}' is not a label of {where}.", "unknown_label")
    if len(found) > 1:
        raise invalid("layer", f"'{label}' is in more than one layer; name the layer.", "ambiguous")
    return found[0]


def check_offsets(document: Document, start: Any, end: Any) -> offsets.TextSpan:
    """Return the span if the offsets lie inside the document text."""
    try:
        return offsets.check_span(len(document.text), start, end)
    except offsets.OffsetError as error:
        raise invalid(error.field, error.message, "offsets") from error


def check_editable(annotation_set: AnnotationSet) -> None:
    if annotation_set.status == AnnotationSet.Status.SUBMITTED:
        raise invalid(
            "status", "This annotation set is submitted; reopen it before changing it.", "submitted"
        )


def check_spans_in_set(annotation_set: AnnotationSet, span_ids: Iterable[Any], field: str) -> list[Span]:
    ids = list(span_ids)
    if not ids:
        return []
    if any(isinstance(i, bool) or not isinstance(i, int) or not 0 < i <= MAX_ID for i in ids):
        raise invalid(field, "span ids must be positive whole numbers.")
    found = {s.pk: s for s in Span.objects.filter(annotation_set=annotation_set, pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise invalid(field, f"span {missing[0]} is not in this annotation set.", "foreign_span")
    return [found[i] for i in ids]


def check_attributes(attributes: Any) -> dict:
    if attributes is None:
        return {}
    if not isinstance(attributes, dict):
        raise invalid("attributes", "attributes must be a JSON object.")
    return attributes


def check_step(step: Any) -> int | None:
    if step is None:
        return None
    if isinstance(step, bool) or not isinstance(step, int) or not 1 <= step <= MAX_STEP:
        raise invalid("step", f"step must be a whole number from 1 to {MAX_STEP}.")
    return step


@functools.cache
def _duplicate_span_sql() -> str:
    """A query with a row if the set has a span with this label and offsets."""
    return (
        f"SELECT 1 FROM {sql.table(Span)} s WHERE s.annotation_set_id = %s AND s.label_id = %s "
        f"AND s.{sql.quote('start')} = %s AND s.{sql.quote('end')} = %s"
    )


def _duplicate_span() -> ValidationError:
    return invalid("label", "The same label already covers exactly this text.", "duplicate")


def check_new_span(
    annotation_set: AnnotationSet, layer: str | None, label: str, start: Any, end: Any
) -> tuple[Label, offsets.TextSpan]:
    """Return the label and extent of a new span: one the set does not have with this label on this text."""
    label_obj = check_label(annotation_set.project, Layer.Kind.SPAN, label, layer)
    span = check_offsets(annotation_set.document, start, end)
    if sql.fetch_one(_duplicate_span_sql(), [annotation_set.pk, label_obj.pk, span.start, span.end]):
        raise _duplicate_span()
    return label_obj, span


def check_new_relation(
    annotation_set: AnnotationSet, layer: str | None, label: str, head: Any, tail: Any
) -> tuple[Label, Span, Span]:
    """Return the label, head and tail of a new relation between two different spans of the set."""
    label_obj = check_label(annotation_set.project, Layer.Kind.RELATION, label, layer)
    (head_span,) = check_spans_in_set(annotation_set, [head], "head")
    (tail_span,) = check_spans_in_set(annotation_set, [tail], "tail")
    if head_span.pk == tail_span.pk:
        raise invalid("tail", "A relation needs two different spans.", "reflexive")
    if Relation.objects.filter(
        annotation_set=annotation_set, label=label_obj, head=head_span, tail=tail_span
    ).exists():
        raise invalid("label", "This relation already exists.", "duplicate")
    return label_obj, head_span, tail_span


# --- version guard ------------------------------------------------------------------------


def annotation_set_advance(annotation_set: AnnotationSet, expected_version: Any, **also: Any) -> None:
    """Move the set to its next version if it is still at `expected_version`, setting fields `also`."""
    check_version(expected_version)
    # One conditional UPDATE is atomic on SQLite and PostgreSQL alike: of two writers based on
    # the same version exactly one matches the row.
    now = timezone.now()
    fields = [AnnotationSet._meta.get_field(name) for name in also]
    assignments = "".join(f", {sql.quote(field.column)} = %s" for field in fields)
    values = [
        field.get_db_prep_save(value, connection) for field, value in zip(fields, also.values(), strict=True)
    ]
    updated = sql.execute(
        f"UPDATE {sql.table(AnnotationSet)} SET version = version + 1, updated_at = %s{assignments} "
        "WHERE id = %s AND version = %s",
        [connection.ops.adapt_datetimefield_value(now), *values, annotation_set.pk, expected_version],
    )
    if not updated:
        current = AnnotationSet.objects.values_list("version", flat=True).get(pk=annotation_set.pk)
        raise StaleVersion(expected_version, current)
    annotation_set.version = expected_version + 1
    annotation_set.updated_at = now
    for name, value in also.items():
        setattr(annotation_set, name, value)


# --- writes -------------------------------------------------------------------------------


def annotation_set_get_or_create(*, project: Project, document: Document, user) -> AnnotationSet:
    """Return the user's annotation set for a document, starting one if the assignment mode allows."""
    return annotation_set_open(project=project, document=document, user=user)[0]


def annotation_set_open(*, project: Project, document: Document, user) -> tuple[AnnotationSet, bool]:
    """`annotation_set_get_or_create`, and whether the set was started just now (so it is empty)."""
    from annotator.permissions import check_may_start

    def existing() -> AnnotationSet | None:
        row = sql.fetch_one(
            f"SELECT {sql.select_list(AnnotationSet, 'a')} FROM {sql.table(AnnotationSet)} a "
            "WHERE a.project_id = %s AND a.document_id = %s AND a.annotator_id = %s AND a.kind = %s",
            [project.pk, document.pk, user.pk, AnnotationSet.Kind.ANNOTATION],
        )
        return None if row is None else sql.instance(AnnotationSet, row)

    annotation_set = existing()
    started = annotation_set is None
    if annotation_set is None:
        check_may_start(project, user)
        new = AnnotationSet(
            project=project, document=document, annotator=user, kind=AnnotationSet.Kind.ANNOTATION
        )
        # One statement, atomic on its own; a set someone opened meanwhile is skipped, not an error.
        annotation_set = sql.insert(new, skip_if_taken=("project", "document", "annotator", "kind"))
        if annotation_set is None:  # opened twice at once: the other request started it
            annotation_set, started = existing(), False
    elif annotation_set.status == AnnotationSet.Status.SKIPPED:
        raise NotAllowed(f"You skipped document {document.pk}.")
    # The caller has these already; the payload then needs no query to load them again.
    sql.attach(annotation_set, "project", project)
    sql.attach(annotation_set, "document", document)
    sql.attach(annotation_set, "annotator", user)
    return annotation_set, started


def span_create(
    *,
    annotation_set: AnnotationSet,
    version: Any,
    layer: str | None,
    label: str,
    start: Any,
    end: Any,
    step: Any = None,
    attributes: Any = None,
    origin: str = Span.Origin.MANUAL,
) -> Span:
    # Checks read outside the transaction: on SQLite it holds the one write lock. The version
    # guard makes this safe, as any write since the version the checks saw fails the advance.
    check_editable(annotation_set)
    label_obj = check_label(annotation_set.project, Layer.Kind.SPAN, label, layer)
    span = check_offsets(annotation_set.document, start, end)
    step = check_step(step)
    attributes = check_attributes(attributes)
    write = VersionedWrite(annotation_set, version)
    # A span the set has already is refused by the version guard itself: no query of its own.
    write.refuse_if(
        _duplicate_span_sql(), [annotation_set.pk, label_obj.pk, span.start, span.end], _duplicate_span
    )
    new = Span(start=span.start, end=span.end, step=step, attributes=attributes, origin=origin)
    sql.attach(new, "annotation_set", annotation_set)
    sql.attach(new, "label", label_obj)
    created = write.insert(new)
    write.audit("span.create", None, created)
    write.run()
    return created


@transaction.atomic
def span_update(*, span: Span, version: Any, changes: dict[str, Any]) -> Span:
    """Change a span's label, offsets, step or attributes."""
    annotation_set = span.annotation_set
    check_editable(annotation_set)
    if "label" in changes or "layer" in changes:
        span.label = check_label(
            annotation_set.project,
            Layer.Kind.SPAN,
            changes.get("label", span.label.value),
            changes.get("layer", span.label.layer.key),
        )
    if "start" in changes or "end" in changes:
        checked = check_offsets(
            annotation_set.document, changes.get("start", span.start), changes.get("end", span.end)
        )
        span.start, span.end = checked.start, checked.end
    if "step" in changes:
        span.step = check_step(changes["step"])
    if "attributes" in changes:
        span.attributes = check_attributes(changes["attributes"])
    annotation_set_advance(annotation_set, version)
    audit_changed(None, span, "span.update")
    span.save()
    return span


# What deleting a span takes with it, as `on_delete` says; tests/annotator/test_annotations.py checks
# this against the models, so a new reference to Span cannot be forgotten here.
SPAN_DELETE_EFFECTS = {
    ("Relation", "head"): "cascade",
    ("Relation", "tail"): "cascade",
    ("DocumentLabel_rationale", "span"): "cascade",
    ("Comment", "span"): "cascade",
    ("SuggestionDecision", "span"): "set null",
}


@functools.cache
def _span_delete_steps() -> list[tuple[type, str | None, str]]:
    """SPAN_DELETE_EFFECTS as (model, SET list or None to delete, WHERE), the span's own delete last."""
    rationale = DocumentLabel.rationale.through
    return [
        (Relation, None, "head_id = %s OR tail_id = %s"),
        (rationale, None, "span_id = %s"),
        (Comment, None, "span_id = %s"),
        (SuggestionDecision, "span_id = NULL", "span_id = %s"),
        (Span, None, "id = %s"),
    ]


def span_delete(*, span: Span, version: Any) -> None:
    """Delete a span with its relations; it also leaves any rationale it was part of."""
    check_editable(span.annotation_set)
    write = VersionedWrite(span.annotation_set, version)
    write.audit("span.delete", span, None)
    for model, assignments, where in _span_delete_steps():
        params = [span.pk] * where.count("%s")
        if assignments is None:
            write.delete(model, where, params)
        else:
            write.update_where(model, assignments, where, params)
    write.run()


def relation_create(
    *,
    annotation_set: AnnotationSet,
    version: Any,
    label: str,
    head: Any,
    tail: Any,
    layer: str | None = None,
) -> Relation:
    check_editable(annotation_set)
    label_obj, head_span, tail_span = check_new_relation(annotation_set, layer, label, head, tail)
    write = VersionedWrite(annotation_set, version)
    created = write.insert(
        Relation(annotation_set=annotation_set, label=label_obj, head=head_span, tail=tail_span)
    )
    write.audit("relation.create", None, created)
    write.run()
    return created


def relation_delete(*, relation: Relation, version: Any) -> None:
    check_editable(relation.annotation_set)
    write = VersionedWrite(relation.annotation_set, version)
    write.audit("relation.delete", relation, None)
    write.delete(Relation, "id = %s", [relation.pk])  # nothing refers to a relation
    write.run()


def check_confidence(confidence: Any) -> int | None:
    if confidence is None:
        return None
    if isinstance(confidence, bool) or not isinstance(confidence, int) or not 1 <= confidence <= 5:
        raise invalid("confidence", "confidence must be a whole number from 1 to 5.")
    return confidence


def document_label_set(
    *,
    annotation_set: AnnotationSet,
    version: Any,
    label: str,
    confidence: Any = None,
    rationale: Any = (),
    layer: str | None = None,
) -> DocumentLabel:
    """Set the document's label on a document layer (stance), replacing any earlier one.

    The row returned carries `rationale_ids`: its rationale's span ids, ascending.
    """
    check_editable(annotation_set)
    label_obj = check_label(annotation_set.project, Layer.Kind.DOCUMENT, label, layer)
    # Read before the write, as span_create's checks are: any write since fails the version guard.
    stored = sql.fetch_one(
        f"SELECT {sql.select_list(DocumentLabel, 'x')} FROM {sql.table(DocumentLabel)} x "
        "WHERE x.annotation_set_id = %s AND x.layer_id = %s",
        [annotation_set.pk, label_obj.layer_id],
    )
    confidence = check_confidence(confidence)
    if rationale is None:
        rationale = []
    if not isinstance(rationale, list | tuple):
        raise invalid("rationale", "rationale must be a list of span ids.")
    rationale_spans = check_spans_in_set(annotation_set, rationale, "rationale")
    chosen = sorted({span.pk for span in rationale_spans})
    through = DocumentLabel.rationale.through
    write = VersionedWrite(annotation_set, version)
    if stored is None:
        document_label = write.insert(
            DocumentLabel(
                annotation_set=annotation_set, layer=label_obj.layer, label=label_obj, confidence=confidence
            )
        )
        for span_id in chosen:
            write.insert(through(span_id=span_id), documentlabel=document_label)
        write.audit("document_label.set", None, document_label, rationale=chosen)
    else:
        document_label = sql.instance(DocumentLabel, stored)
        before_ids = rationale_ids(document_label.pk)
        before = audit_snapshot(document_label, rationale=before_ids)
        document_label.annotation_set = annotation_set
        document_label.layer = label_obj.layer
        document_label.label = label_obj
        document_label.confidence = confidence
        write.update(document_label, ["label", "confidence", "updated_at"])
        if before_ids != chosen:
            write.delete(through, "documentlabel_id = %s", [document_label.pk])
            for span_id in chosen:
                write.insert(through(documentlabel_id=document_label.pk, span_id=span_id))
        write.audit("document_label.set", before, document_label, rationale=chosen)
    write.run()
    document_label.rationale_ids = chosen
    return document_label


@transaction.atomic
def document_label_clear(*, annotation_set: AnnotationSet, version: Any, layer: str) -> None:
    check_editable(annotation_set)
    if not Layer.objects.filter(
        scheme_id=annotation_set.project.scheme_id, key=layer, kind=Layer.Kind.DOCUMENT
    ).exists():
        raise invalid(
            "layer", f"'{layer}' is not a document layer of scheme '{annotation_set.project.scheme.slug}'."
        )
    annotation_set_advance(annotation_set, version)
    cleared = DocumentLabel.objects.filter(annotation_set=annotation_set, layer__key=layer)
    audit_record(None, annotation_set, "document_label.clear", cleared, None)
    cleared.delete()


def annotation_set_submit(*, annotation_set: AnnotationSet, version: Any) -> AnnotationSet:
    """Mark the work as done; it counts towards gold from now on."""
    check_editable(annotation_set)
    write = VersionedWrite(
        annotation_set, version, status=AnnotationSet.Status.SUBMITTED, submitted_at=timezone.now()
    )
    write.audit("annotation_set.submit", "in_progress", "submitted")
    write.run()
    return annotation_set


def annotation_set_reopen(*, annotation_set: AnnotationSet, version: Any) -> AnnotationSet:
    if annotation_set.status != AnnotationSet.Status.SUBMITTED:
        raise invalid("status", "Only a submitted annotation set can be reopened.", "not_submitted")
    write = VersionedWrite(
        annotation_set, version, status=AnnotationSet.Status.IN_PROGRESS, submitted_at=None
    )
    write.audit("annotation_set.reopen", "submitted", "in_progress")
    write.run()
    return annotation_set
