"""Annotators accept, edit-then-accept or reject machine suggestions; every decision is kept.

A decision records who, when, and which suggester version proposed the span, so curation and the
suggestion report can tell what came from a machine.
"""

import functools
from typing import Any

from django.db import transaction

from annotator import plain_sql as sql
from annotator.models import (
    AnnotationSet,
    Label,
    Layer,
    Membership,
    Span,
    SuggestedDocumentLabel,
    Suggestion,
    SuggestionDecision,
)
from annotator.services.annotations import (
    MAX_ID,
    annotation_set_advance,
    check_editable,
    check_label,
    check_offsets,
)
from annotator.services.audit import audit_record
from annotator.services.errors import NotAllowed, invalid


def sees_suggestions(annotation_set: AnnotationSet) -> bool:
    """Control annotators never see suggestions, so their work shows what people do unaided."""
    control = sql.fetch_one(
        f"SELECT 1 FROM {sql.table(Membership)} WHERE project_id = %s AND user_id = %s AND is_control = %s",
        [annotation_set.project_id, annotation_set.annotator_id, True],
    )
    return control is None


def open_suggestions(annotation_set: AnnotationSet, *, sees: bool | None = None):
    """Suggestions on this set's document that its annotator has not decided yet."""
    if not (sees_suggestions(annotation_set) if sees is None else sees):
        return Suggestion.objects.none()
    return (
        Suggestion.objects.filter(
            project_id=annotation_set.project_id, document_id=annotation_set.document_id
        )
        .exclude(decisions__annotation_set=annotation_set)
        .select_related("label__layer")
        .order_by("start", "end", "id")
    )


@functools.cache
def _payload_sql() -> dict[str, str]:
    """The open suggestions and the newest suggested stance of a document, as plain SQL.

    They are read on every document the workspace opens; `open_suggestions` is the same choice as
    a queryset, for the services that act on suggestions.
    """
    q = sql.quote
    label, layer = sql.table(Label), sql.table(Layer)
    decision = sql.table(SuggestionDecision)
    return {
        "open": (
            f"SELECT {sql.select_list(Suggestion, 'x')}, {sql.select_list(Label, 'l')}, "
            f"{sql.select_list(Layer, 'y')} FROM {sql.table(Suggestion)} x "
            f"JOIN {label} l ON l.id = x.label_id JOIN {layer} y ON y.id = l.layer_id "
            "WHERE x.project_id = %s AND x.document_id = %s AND NOT EXISTS "
            f"(SELECT 1 FROM {decision} d WHERE d.suggestion_id = x.id AND d.annotation_set_id = %s) "
            f"ORDER BY x.{q('start')}, x.{q('end')}, x.id"
        ),
        "stance": (
            f"SELECT {sql.select_list(SuggestedDocumentLabel, 'x')}, l.{q('value')} "
            f"FROM {sql.table(SuggestedDocumentLabel)} x JOIN {label} l ON l.id = x.label_id "
            f"JOIN {layer} y ON y.id = x.layer_id WHERE x.project_id = %s AND x.document_id = %s "
            f"AND y.{q('key')} = %s ORDER BY x.created_at DESC, x.id DESC LIMIT 1"
        ),
    }


def open_suggestion_records(annotation_set: AnnotationSet, text: str, *, sees: bool) -> list[dict[str, Any]]:
    """`open_suggestions` as the records the workspace shows (none for a control annotator)."""
    if not sees:
        return []
    params = [annotation_set.project_id, annotation_set.document_id, annotation_set.pk]
    records = []
    for row in sql.fetch_all(_payload_sql()["open"], params):
        suggestion, label, layer = sql.instances(row, Suggestion, Label, Layer)
        label.layer = layer
        suggestion.label = label
        records.append(suggestion_record(suggestion, text))
    return records


def suggested_stance(
    annotation_set: AnnotationSet, layer: str = "stance", *, sees: bool | None = None
) -> dict[str, Any] | None:
    """The newest machine guess at the document label of `layer`, with its reason and sentences."""
    if not (sees_suggestions(annotation_set) if sees is None else sees):
        return None
    row = sql.fetch_one(
        _payload_sql()["stance"], [annotation_set.project_id, annotation_set.document_id, layer]
    )
    if row is None:
        return None
    guess = sql.instance(SuggestedDocumentLabel, row[:-1])
    return {
        "label": row[-1],
        "score": guess.score,
        "reason": guess.reason,
        "sentences": guess.sentences,
        "suggester_version": guess.suggester_version,
    }


def check_suggestion(annotation_set: AnnotationSet, suggestion_id: Any) -> Suggestion:
    if (
        isinstance(suggestion_id, bool)
        or not isinstance(suggestion_id, int)
        or not 0 < suggestion_id <= MAX_ID
    ):
        raise invalid("suggestion", "suggestion must be a suggestion id.")
    suggestion = (
        Suggestion.objects.select_related("label__layer")
        .filter(
            pk=suggestion_id, project_id=annotation_set.project_id, document_id=annotation_set.document_id
        )
        .first()
    )
    if suggestion is None or not sees_suggestions(annotation_set):
        raise NotAllowed(f"No suggestion {suggestion_id} on this document.")
    if SuggestionDecision.objects.filter(annotation_set=annotation_set, suggestion=suggestion).exists():
        raise invalid("suggestion", f"Suggestion {suggestion_id} has already been decided.", "decided")
    return suggestion


def _decide(
    annotation_set: AnnotationSet, suggestion: Suggestion, decision: str, span: Span | None
) -> SuggestionDecision:
    audit_record(None, annotation_set, f"suggestion.{decision}", suggestion, getattr(span, "pk", None))
    return SuggestionDecision(
        annotation_set=annotation_set,
        suggestion=suggestion,
        label=suggestion.label,
        start=suggestion.start,
        end=suggestion.end,
        suggester=suggestion.suggester,
        suggester_version=suggestion.suggester_version,
        decision=decision,
        span=span,
        decided_by_id=annotation_set.annotator_id,
    )


def _span_for(annotation_set: AnnotationSet, label, start: int, end: int, score) -> Span:
    """The set's span with this label and offsets, made from the suggestion if it is not there yet."""
    existing = Span.objects.filter(annotation_set=annotation_set, label=label, start=start, end=end).first()
    if existing is not None:
        return existing
    return Span.objects.create(
        annotation_set=annotation_set,
        label=label,
        start=start,
        end=end,
        origin=Span.Origin.SUGGESTION,
        score=score,
    )


@transaction.atomic
def suggestion_accept(
    *,
    annotation_set: AnnotationSet,
    version: Any,
    suggestion: Any,
    label: str | None = None,
    layer: str | None = None,
    start: Any = None,
    end: Any = None,
) -> tuple[Span, SuggestionDecision]:
    """Turn a suggestion into a span of the set, as proposed or edited (another label or extent)."""
    check_editable(annotation_set)
    found = check_suggestion(annotation_set, suggestion)
    label_obj = found.label
    if label is not None or layer is not None:
        label_obj = check_label(
            annotation_set.project,
            Layer.Kind.SPAN,
            label or found.label.value,
            layer or found.label.layer.key,
        )
    extent = check_offsets(
        annotation_set.document,
        found.start if start is None else start,
        found.end if end is None else end,
    )
    edited = label_obj.pk != found.label_id or (extent.start, extent.end) != (found.start, found.end)
    annotation_set_advance(annotation_set, version)
    span = _span_for(annotation_set, label_obj, extent.start, extent.end, found.score)
    decision = _decide(
        annotation_set,
        found,
        SuggestionDecision.Decision.EDITED if edited else SuggestionDecision.Decision.ACCEPTED,
        span,
    )
    decision.save()
    return span, decision


@transaction.atomic
def suggestion_reject(*, annotation_set: AnnotationSet, version: Any, suggestion: Any) -> SuggestionDecision:
    check_editable(annotation_set)
    found = check_suggestion(annotation_set, suggestion)
    annotation_set_advance(annotation_set, version)
    decision = _decide(annotation_set, found, SuggestionDecision.Decision.REJECTED, None)
    decision.save()
    return decision


@transaction.atomic
def suggestions_accept_layer(
    *, annotation_set: AnnotationSet, version: Any, layer: Any
) -> list[tuple[Span, SuggestionDecision]]:
    """Accept every open suggestion of one layer in a single write."""
    check_editable(annotation_set)
    if (
        not isinstance(layer, str)
        or not Layer.objects.filter(
            scheme_id=annotation_set.project.scheme_id, key=layer, kind=Layer.Kind.SPAN
        ).exists()
    ):
        raise invalid(
            "layer", f"'{layer}' is not a span layer of scheme '{annotation_set.project.scheme.slug}'."
        )
    pending = list(open_suggestions(annotation_set).filter(label__layer__key=layer))
    annotation_set_advance(annotation_set, version)
    accepted = []
    for suggestion in pending:
        span = _span_for(annotation_set, suggestion.label, suggestion.start, suggestion.end, suggestion.score)
        accepted.append(
            (span, _decide(annotation_set, suggestion, SuggestionDecision.Decision.ACCEPTED, span))
        )
    SuggestionDecision.objects.bulk_create([decision for _, decision in accepted])
    return accepted


def suggestion_record(suggestion: Suggestion, text: str) -> dict[str, Any]:
    return {
        "id": suggestion.pk,
        "start": suggestion.start,
        "end": suggestion.end,
        "text": text[suggestion.start : suggestion.end],
        "layer": suggestion.label.layer.key,
        "label": suggestion.label.value,
        "score": suggestion.score,
        "reason": suggestion.reason,
        "suggester": suggestion.suggester,
        "suggester_version": suggestion.suggester_version,
    }
