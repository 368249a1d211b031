"""Curation: merge what the annotators agree on into the document's gold, then resolve the rest.

A gold set is an annotation set of kind "gold"; every item in it carries `provenance` (which
annotators had it, whether it came from a suggestion, who curated it, when, and how: merged or
accepted), and every change is written to GoldChange as the gold's history.
"""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotator.models import AnnotationSet, DocumentLabel, GoldChange, Label, Project, Relation, Span
from annotator.selectors_team import (
    DocumentVersions,
    Item,
    SpanKey,
    curation_conflicts,
    document_versions,
    set_items,
)
from annotator.services.annotations import (
    annotation_set_advance,
    check_editable,
    check_new_relation,
    check_new_span,
)
from annotator.services.audit import audit_record
from annotator.services.errors import invalid
from corpus.models import Document

KINDS = ("span", "relation", "stance")


def _provenance(item: Item, curator: AbstractBaseUser, how: str, **extra: Any) -> dict[str, Any]:
    return {
        "annotators": item.annotators,
        "from_suggestion": Span.Origin.SUGGESTION in item.origins,
        "origins": sorted(item.origins),
        "curated_by": curator.get_username(),
        "at": timezone.now().isoformat(),
        "how": how,
        **extra,
    }


def _label(project: Project, layer: str, value: str) -> Label:
    return Label.objects.get(layer__scheme_id=project.scheme_id, layer__key=layer, value=value)


def _record(gold: AnnotationSet, user: AbstractBaseUser, action: str, **data: Any) -> None:
    GoldChange.objects.create(annotation_set=gold, user=user, action=action, data=data)
    audit_record(user, gold, f"gold.{action}", data.get("before"), data)


def _key_data(kind: str, key: tuple) -> dict[str, Any]:
    """A key as JSON for the history: lists instead of tuples."""
    return {"kind": kind, "key": [list(part) if isinstance(part, tuple) else part for part in key]}


def _span_key(span: Span) -> SpanKey:
    return (span.start, span.end, span.label.layer.key, span.label.value)


def _gold_spans(gold: AnnotationSet) -> dict[tuple, Span]:
    return {_span_key(s): s for s in gold.spans.select_related("label__layer")}


def _add_span(gold: AnnotationSet, item: Item, curator, how: str, **extra: Any) -> Span:
    start, end, layer, label = item.key
    existing = _gold_spans(gold).get(item.key)
    if existing is not None:
        return existing
    return Span.objects.create(
        annotation_set=gold,
        label=_label(gold.project, layer, label),
        start=start,
        end=end,
        origin=Span.Origin.SUGGESTION if Span.Origin.SUGGESTION in item.origins else Span.Origin.MANUAL,
        provenance=_provenance(item, curator, how, **extra),
    )


def _add_relation(
    gold: AnnotationSet, versions: DocumentVersions, item: Item, curator, how: str, **extra
) -> Relation:
    head_key, tail_key, layer, label = item.key
    ends = []
    for end_key in (head_key, tail_key):
        end_item = versions.items.get(("span", end_key)) or Item(kind="span", key=end_key)
        ends.append(_add_span(gold, end_item, curator, how, **extra))
    relation, _ = Relation.objects.get_or_create(
        annotation_set=gold,
        label=_label(gold.project, layer, label),
        head=ends[0],
        tail=ends[1],
        defaults={"provenance": _provenance(item, curator, how, **extra)},
    )
    return relation


def _set_stance(
    gold: AnnotationSet, versions: DocumentVersions, item: Item, curator, how: str, source: str | None = None
) -> DocumentLabel:
    layer, value = item.key
    label = _label(gold.project, layer, value)
    annotators = [source] if source else item.annotators
    # Confidence: the (rounded) mean of the annotators who gave this stance; rationale: their spans in gold.
    contents = [versions.by_set[versions.sets[name]] for name in annotators]
    confidences = [c.confidence.get(layer) for c in contents if c.confidence.get(layer) is not None]
    rationale_keys = {key for c in contents for key in c.rationale.get(layer, [])}
    gold_spans = _gold_spans(gold)
    document_label, _ = DocumentLabel.objects.update_or_create(
        annotation_set=gold,
        layer=label.layer,
        defaults={
            "label": label,
            "confidence": round(sum(confidences) / len(confidences)) if confidences else None,
            "provenance": _provenance(item, curator, how, **({"from": source} if source else {})),
        },
    )
    document_label.rationale.set([gold_spans[key] for key in rationale_keys if key in gold_spans])
    return document_label


def _merge(gold: AnnotationSet, versions: DocumentVersions, curator, threshold: float) -> dict[str, int]:
    """Copy into gold every item that at least `threshold` of the submitted annotators have."""
    merged = {kind: 0 for kind in KINDS}
    agreed = [item for item in versions.items.values() if versions.share(item) >= threshold - 1e-9]
    for kind in KINDS:
        for item in sorted((i for i in agreed if i.kind == kind), key=lambda i: (-len(i.sources), i.key)):
            if kind == "span":
                _add_span(gold, item, curator, "merged")
            elif kind == "relation":
                _add_relation(gold, versions, item, curator, "merged")
            elif not gold.document_labels.filter(layer__key=item.key[0]).exists():
                _set_stance(gold, versions, item, curator, "merged")
            else:
                continue
            merged[kind] += 1
    return merged


@transaction.atomic
def curation_start(*, project: Project, document: Document, curator: AbstractBaseUser) -> AnnotationSet:
    """Open the document's gold, merging what the submitted annotators agree on when it is new."""
    gold = AnnotationSet.objects.filter(
        project=project, document=document, kind=AnnotationSet.Kind.GOLD
    ).first()
    if gold is not None:
        return gold
    try:
        with transaction.atomic():
            gold = AnnotationSet.objects.create(
                project=project, document=document, annotator=curator, kind=AnnotationSet.Kind.GOLD
            )
    except IntegrityError:  # another curator opened it at the same moment
        return AnnotationSet.objects.get(project=project, document=document, kind=AnnotationSet.Kind.GOLD)
    versions = document_versions(project, document.pk)
    merged = _merge(gold, versions, curator, project.merge_threshold)
    _record(
        gold,
        curator,
        "start",
        merged=merged,
        annotators=list(versions.sets),
        threshold=project.merge_threshold,
    )
    return gold


def check_source(gold: AnnotationSet, versions: DocumentVersions, kind: Any, source: Any) -> tuple[Item, str]:
    """The item with id `source` in one of the document's submitted annotation sets, and its annotator."""
    if kind not in KINDS:
        raise invalid("kind", f"kind must be one of {', '.join(KINDS)}.")
    for item in versions.items.values():
        if item.kind != kind:
            continue
        for annotator, pk in item.sources.items():
            if pk == source:
                return item, annotator
    raise invalid("id", f"No submitted {kind} {source} on document {gold.document_id}.", "unknown_item")


@transaction.atomic
def curation_accept(
    *, gold: AnnotationSet, version: Any, curator: AbstractBaseUser, kind: Any, source: Any
) -> None:
    """Accept one annotator's span, relation (with its ends) or stance into the gold, in one call."""
    check_editable(gold)
    versions = document_versions(gold.project, gold.document_id)
    item, annotator = check_source(gold, versions, kind, source)
    annotation_set_advance(gold, version)
    if kind == "span":
        _add_span(gold, item, curator, "accepted", **{"from": annotator})
    elif kind == "relation":
        _add_relation(gold, versions, item, curator, "accepted", **{"from": annotator})
    else:
        _set_stance(gold, versions, item, curator, "accepted", source=annotator)
    _record(gold, curator, "accept", **_key_data(kind, item.key), annotator=annotator)


@transaction.atomic
def curation_reject(
    *, gold: AnnotationSet, version: Any, curator: AbstractBaseUser, kind: Any, source: Any
) -> None:
    """Resolve a conflict by leaving the item out of the gold."""
    check_editable(gold)
    versions = document_versions(gold.project, gold.document_id)
    item, annotator = check_source(gold, versions, kind, source)
    annotation_set_advance(gold, version)
    _record(gold, curator, "reject", **_key_data(kind, item.key), annotator=annotator)


@transaction.atomic
def curation_remove(
    *, gold: AnnotationSet, version: Any, curator: AbstractBaseUser, kind: Any, item: Any
) -> None:
    """Take an item (by its id in the gold) out of the gold; a span goes with its relations."""
    check_editable(gold)
    models = {"span": Span, "relation": Relation, "stance": DocumentLabel}
    if kind not in models:
        raise invalid("kind", f"kind must be one of {', '.join(KINDS)}.")
    row = models[kind].objects.filter(annotation_set=gold, pk=item).first()
    if row is None:
        raise invalid("id", f"No {kind} {item} in this gold.", "unknown_item")
    keyed = set_items([gold.pk])[gold.pk]
    by_kind = {"span": keyed.spans, "relation": keyed.relations, "stance": keyed.stances}[kind]
    found = next(k for k, pk in by_kind.items() if pk == row.pk)
    annotation_set_advance(gold, version)
    row.delete()
    _record(gold, curator, "remove", **_key_data(kind, found))


@transaction.atomic
def curation_add_span(
    *,
    gold: AnnotationSet,
    version: Any,
    curator: AbstractBaseUser,
    layer: Any,
    label: Any,
    start: Any,
    end: Any,
) -> Span:
    """Add a span no annotator made to the gold: `label` of span layer `layer` over `[start, end)`."""
    check_editable(gold)
    label_obj, extent = check_new_span(gold, layer, label, start, end)
    annotation_set_advance(gold, version)
    key = (extent.start, extent.end, label_obj.layer.key, label_obj.value)
    span = _add_span(gold, Item(kind="span", key=key), curator, "added")
    _record(gold, curator, "add", **_key_data("span", key))
    return span


@transaction.atomic
def curation_add_relation(
    *,
    gold: AnnotationSet,
    version: Any,
    curator: AbstractBaseUser,
    label: Any,
    head: Any,
    tail: Any,
    layer: Any = None,
) -> Relation:
    """Link two gold spans (by their ids in the gold) with a relation no annotator made."""
    check_editable(gold)
    label_obj, head_span, tail_span = check_new_relation(gold, layer, label, head, tail)
    annotation_set_advance(gold, version)
    key = (_span_key(head_span), _span_key(tail_span), label_obj.layer.key, label_obj.value)
    relation = Relation.objects.create(
        annotation_set=gold,
        label=label_obj,
        head=head_span,
        tail=tail_span,
        provenance=_provenance(Item(kind="relation", key=key), curator, "added"),
    )
    _record(gold, curator, "add", **_key_data("relation", key))
    return relation


@transaction.atomic
def curation_submit(*, gold: AnnotationSet, version: Any, curator: AbstractBaseUser) -> AnnotationSet:
    """Mark the gold as done: exports and training use it from now on."""
    check_editable(gold)
    annotation_set_advance(gold, version)
    gold.status, gold.submitted_at = AnnotationSet.Status.SUBMITTED, timezone.now()
    gold.save(update_fields=["status", "submitted_at"])
    _record(gold, curator, "submit", open_conflicts=len(curation_conflicts(gold)))
    return gold


@transaction.atomic
def curation_reopen(*, gold: AnnotationSet, version: Any, curator: AbstractBaseUser) -> AnnotationSet:
    if gold.status != AnnotationSet.Status.SUBMITTED:
        raise invalid("status", "Only a submitted gold can be reopened.", "not_submitted")
    annotation_set_advance(gold, version)
    gold.status, gold.submitted_at = AnnotationSet.Status.IN_PROGRESS, None
    gold.save(update_fields=["status", "submitted_at"])
    _record(gold, curator, "reopen")
    return gold
