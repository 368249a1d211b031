"""Read queries for managers and curators: progress, the document finder, disagreement."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from annotator.models import AnnotationSet, DocumentLabel, GoldChange, Membership, Project, Relation, Span
from corpus.models import Document

STANCE_LAYER = "stance"
DOCUMENT_STATUSES = ["new", "in_progress", "submitted", "skipped", "curated"]
PAGE_SIZE = 50


def _annotation_sets(project: Project) -> QuerySet[AnnotationSet]:
    return AnnotationSet.objects.filter(project=project, kind=AnnotationSet.Kind.ANNOTATION)


def _counts() -> dict:
    return {
        "in_progress": Count("id", filter=Q(status=AnnotationSet.Status.IN_PROGRESS)),
        "submitted": Count("id", filter=Q(status=AnnotationSet.Status.SUBMITTED)),
        "skipped": Count("id", filter=Q(status=AnnotationSet.Status.SKIPPED)),
        "seconds": Sum("time_spent_seconds"),
    }


def progress_by_annotator(project: Project) -> list[dict]:
    """Each member with their role and how many documents they have in progress, done and skipped."""
    rows = {
        row["annotator_id"]: row
        for row in _annotation_sets(project).values("annotator_id").annotate(**_counts())
    }
    members = Membership.objects.filter(project=project).select_related("user").order_by("user__username")
    empty = {"in_progress": 0, "submitted": 0, "skipped": 0, "seconds": 0}
    return [
        {
            "username": membership.user.get_username(),
            "role": membership.role,
            "is_control": membership.is_control,
            **{key: (rows.get(membership.user_id) or empty)[key] or 0 for key in empty},
        }
        for membership in members
    ]


def stance_disagreement_ids(project: Project) -> QuerySet:
    """Ids of documents whose submitted annotation sets give different stances."""
    return (
        DocumentLabel.objects.filter(
            annotation_set__project=project,
            annotation_set__kind=AnnotationSet.Kind.ANNOTATION,
            annotation_set__status=AnnotationSet.Status.SUBMITTED,
            layer__key=STANCE_LAYER,
        )
        .values("annotation_set__document_id")
        .annotate(values=Count("label", distinct=True))
        .filter(values__gt=1)
        .values_list("annotation_set__document_id", flat=True)
    )


@dataclass(frozen=True)
class DocumentFilter:
    text: str = ""
    status: str = ""
    label: str = ""
    annotator: str = ""
    disagreement: bool = False


def documents_filtered(project: Project, spec: DocumentFilter) -> QuerySet[Document]:
    """The project's documents matching the manager's search (full text) and filters, by id."""
    documents = Document.objects.filter(corpus_id=project.corpus_id).order_by("id")
    sets = _annotation_sets(project)
    if spec.text:
        documents = documents.filter(Q(text__icontains=spec.text) | Q(title__icontains=spec.text))
    if spec.status == "new":
        documents = documents.exclude(pk__in=sets.values("document_id"))
    elif spec.status == "curated":
        documents = documents.filter(
            pk__in=AnnotationSet.objects.filter(
                project=project, kind=AnnotationSet.Kind.GOLD, status=AnnotationSet.Status.SUBMITTED
            ).values("document_id")
        )
    elif spec.status in ("in_progress", "submitted", "skipped"):
        documents = documents.filter(pk__in=sets.filter(status=spec.status).values("document_id"))
    if spec.annotator:
        documents = documents.filter(
            pk__in=sets.filter(annotator__username=spec.annotator).values("document_id")
        )
    if spec.label:
        in_project = Q(annotation_set__project=project, annotation_set__kind=AnnotationSet.Kind.ANNOTATION)
        spans = Span.objects.filter(in_project, label__value=spec.label).values("annotation_set__document_id")
        stances = DocumentLabel.objects.filter(in_project, label__value=spec.label).values(
            "annotation_set__document_id"
        )
        documents = documents.filter(Q(pk__in=spans) | Q(pk__in=stances))
    if spec.disagreement:
        documents = documents.filter(pk__in=stance_disagreement_ids(project))
    return documents.only("id", "title", "kind", "corpus_id")


@dataclass
class DocumentProgress:
    document: Document
    sets: list[dict] = field(default_factory=list)  # annotator, status, seconds, skip_reason
    gold: str | None = None  # the gold set's status, if curation started

    def count(self, status: str) -> int:
        return sum(1 for row in self.sets if row["status"] == status)

    @property
    def submitted(self) -> int:
        return self.count(AnnotationSet.Status.SUBMITTED)

    @property
    def in_progress(self) -> int:
        return self.count(AnnotationSet.Status.IN_PROGRESS)

    @property
    def skipped(self) -> int:
        return self.count(AnnotationSet.Status.SKIPPED)

    @property
    def seconds(self) -> int:
        return sum(row["seconds"] for row in self.sets)


def progress_by_document(project: Project, documents: list[Document]) -> list[DocumentProgress]:
    """Each document with every annotator's status and time on it, and its gold's status."""
    progress = {document.pk: DocumentProgress(document=document) for document in documents}
    rows = (
        AnnotationSet.objects.filter(project=project, document_id__in=list(progress))
        .order_by("annotator__username")
        .values_list(
            "document_id", "annotator__username", "status", "time_spent_seconds", "skip_reason", "kind"
        )
    )
    for document_id, username, status, seconds, reason, kind in rows:
        if kind == AnnotationSet.Kind.GOLD:
            progress[document_id].gold = status
        else:
            progress[document_id].sets.append(
                {"annotator": username, "status": status, "seconds": seconds, "skip_reason": reason}
            )
    return list(progress.values())


# --- curation: every version of a document, compared item by item ---------------------------

SpanKey = tuple[int, int, str, str]  # start, end, layer, label


@dataclass
class Item:
    """One span, relation or stance as identified across annotators (the same key = the same item)."""

    kind: str  # "span", "relation" or "stance"
    key: tuple
    sources: dict[str, int] = field(default_factory=dict)  # annotator → the item's id in their set
    origins: set[str] = field(default_factory=set)

    @property
    def annotators(self) -> list[str]:
        return sorted(self.sources)


@dataclass
class SetItems:
    """Every item of one annotation set by key, and the rationale of its stances."""

    spans: dict[SpanKey, int] = field(default_factory=dict)
    relations: dict[tuple, int] = field(default_factory=dict)
    stances: dict[tuple, int] = field(default_factory=dict)  # ("stance", layer, label) → DocumentLabel id
    rationale: dict[str, list[SpanKey]] = field(default_factory=dict)  # layer → rationale span keys
    confidence: dict[str, int | None] = field(default_factory=dict)
    origins: dict[SpanKey, str] = field(default_factory=dict)


def set_items(set_ids: list[int]) -> dict[int, SetItems]:
    """Load the items of these annotation sets as keys, in four flat queries (no model instances)."""
    items = {pk: SetItems() for pk in set_ids}
    keys: dict[int, SpanKey] = {}
    for pk, set_id, start, end, layer, label, origin in Span.objects.filter(
        annotation_set_id__in=set_ids
    ).values_list("id", "annotation_set_id", "start", "end", "label__layer__key", "label__value", "origin"):
        key = (start, end, layer, label)
        keys[pk] = key
        items[set_id].spans.setdefault(key, pk)
        items[set_id].origins[key] = origin
    for pk, set_id, head, tail, layer, label in Relation.objects.filter(
        annotation_set_id__in=set_ids
    ).values_list("id", "annotation_set_id", "head_id", "tail_id", "label__layer__key", "label__value"):
        items[set_id].relations[(keys[head], keys[tail], layer, label)] = pk
    labels: dict[int, tuple[int, str]] = {}
    for pk, set_id, layer, label, confidence in DocumentLabel.objects.filter(
        annotation_set_id__in=set_ids
    ).values_list("id", "annotation_set_id", "layer__key", "label__value", "confidence"):
        items[set_id].stances[(layer, label)] = pk
        items[set_id].confidence[layer] = confidence
        labels[pk] = (set_id, layer)
    for label_id, span_id in DocumentLabel.rationale.through.objects.filter(
        documentlabel_id__in=list(labels)
    ).values_list("documentlabel_id", "span_id"):
        set_id, layer = labels[label_id]
        items[set_id].rationale.setdefault(layer, []).append(keys[span_id])
    return items


@dataclass
class DocumentVersions:
    """The submitted annotation sets of a document and every item any of them has."""

    sets: dict[str, int]  # annotator → annotation set id
    by_set: dict[int, SetItems]
    items: dict[tuple, Item]  # (kind, key) → item

    def share(self, item: Item) -> float:
        return len(item.sources) / len(self.sets) if self.sets else 0.0


def document_versions(project: Project, document_id: int) -> DocumentVersions:
    """Every annotator's submitted work on the document, compared item by item."""
    sets = dict(
        _annotation_sets(project)
        .filter(document_id=document_id, status=AnnotationSet.Status.SUBMITTED)
        .order_by("annotator__username")
        .values_list("annotator__username", "id")
    )
    by_set = set_items(list(sets.values()))
    items: dict[tuple, Item] = {}
    for username, set_id in sets.items():
        content = by_set[set_id]
        for kind, keyed in (
            ("span", content.spans),
            ("relation", content.relations),
            ("stance", content.stances),
        ):
            for key, pk in keyed.items():
                item = items.setdefault((kind, key), Item(kind=kind, key=key))
                item.sources[username] = pk
                if kind == "span":
                    item.origins.add(content.origins[key])
    return DocumentVersions(sets=sets, by_set=by_set, items=items)


CURATION_KINDS = ("span", "relation", "stance")


def _decided(gold: AnnotationSet) -> set[tuple]:
    """Keys the curator left out on purpose (rejected or removed), as (kind, key) with tuples."""

    def as_key(part: Any) -> Any:
        return tuple(as_key(p) for p in part) if isinstance(part, list) else part

    return {
        (data["kind"], as_key(data["key"]))
        for data in gold.gold_changes.filter(action__in=["reject", "remove"]).values_list("data", flat=True)
    }


def curation_conflicts(gold: AnnotationSet, versions: DocumentVersions | None = None) -> list[Item]:
    """Items some annotator has that are neither in the gold nor left out by the curator."""
    versions = versions or document_versions(gold.project, gold.document_id)
    mine = set_items([gold.pk])[gold.pk]
    in_gold = {("span", k) for k in mine.spans} | {("relation", k) for k in mine.relations}
    stance_layers = {layer for layer, _ in mine.stances}
    decided = _decided(gold)
    open_items = []
    for (kind, key), item in versions.items.items():
        if (kind, key) in in_gold or (kind, key) in decided:
            continue
        if kind == "stance" and key[0] in stance_layers:
            continue
        open_items.append(item)
    return sorted(open_items, key=lambda i: (CURATION_KINDS.index(i.kind), str(i.key)))


def _span_record(pk: int, key: tuple, text: str, **extra: Any) -> dict[str, Any]:
    start, end, layer, label = key
    return {
        "id": pk,
        "start": start,
        "end": end,
        "layer": layer,
        "label": label,
        "text": text[start:end],
        **extra,
    }


def _item_record(item: Item, text: str) -> dict[str, Any]:
    record: dict[str, Any] = {"kind": item.kind, "annotators": item.annotators}
    record["sources"] = [{"annotator": name, "id": pk} for name, pk in sorted(item.sources.items())]
    if item.kind == "span":
        record.update(_span_record(0, item.key, text))
        del record["id"]
    elif item.kind == "relation":
        head, tail, layer, label = item.key
        record.update(
            layer=layer, label=label, head=_span_record(0, head, text), tail=_span_record(0, tail, text)
        )
    else:
        record.update(layer=item.key[0], label=item.key[1])
    return record


def curation_payload(gold: AnnotationSet) -> dict[str, Any]:
    """The gold with provenance, each annotator's version marked against it, the conflicts, the history."""
    text = gold.document.text
    versions = document_versions(gold.project, gold.document_id)
    conflicts = curation_conflicts(gold, versions)
    open_keys = {(item.kind, item.key) for item in conflicts}
    mine = set_items([gold.pk])[gold.pk]
    in_gold = {("span", k) for k in mine.spans} | {("relation", k) for k in mine.relations}
    in_gold |= {("stance", k) for k in mine.stances}

    def state(kind: str, key: tuple) -> str:
        if (kind, key) in in_gold:
            return "gold"
        return "conflict" if (kind, key) in open_keys else "left-out"

    annotators = []
    for username, set_id in versions.sets.items():
        content = versions.by_set[set_id]
        annotators.append(
            {
                "annotator": username,
                "annotation_set": set_id,
                "spans": [
                    _span_record(
                        pk, key, text, state=state("span", key), agreed=versions.items["span", key].annotators
                    )
                    for key, pk in sorted(content.spans.items())
                ],
                "relations": [
                    {
                        "id": pk,
                        "layer": key[2],
                        "label": key[3],
                        "head": _span_record(0, key[0], text),
                        "tail": _span_record(0, key[1], text),
                        "state": state("relation", key),
                    }
                    for key, pk in content.relations.items()
                ],
                "stances": [
                    {"id": pk, "layer": key[0], "label": key[1], "state": state("stance", key)}
                    for key, pk in content.stances.items()
                ],
            }
        )
    spans = Span.objects.filter(annotation_set=gold).values_list(
        "id", "start", "end", "label__layer__key", "label__value", "provenance"
    )
    relations = Relation.objects.filter(annotation_set=gold).values_list(
        "id", "head__start", "head__end", "tail__start", "tail__end", "label__value", "provenance"
    )
    stances = DocumentLabel.objects.filter(annotation_set=gold).values_list(
        "id", "layer__key", "label__value", "confidence", "provenance"
    )
    history = GoldChange.objects.filter(annotation_set=gold).values_list(
        "action", "user__username", "data", "at"
    )
    return {
        "id": gold.pk,
        "document": gold.document_id,
        "status": gold.status,
        "version": gold.version,
        "curator": gold.annotator.get_username(),
        "threshold": gold.project.merge_threshold,
        "gold": {
            "spans": [
                _span_record(pk, (s, e, layer, label), text, provenance=prov)
                for pk, s, e, layer, label, prov in spans
            ],
            "relations": [
                {"id": pk, "label": label, "head": text[hs:he], "tail": text[ts:te], "provenance": prov}
                for pk, hs, he, ts, te, label, prov in relations
            ],
            "stances": [
                {"id": pk, "layer": layer, "label": label, "confidence": confidence, "provenance": prov}
                for pk, layer, label, confidence, prov in stances
            ],
        },
        "annotators": annotators,
        "conflicts": [_item_record(item, text) for item in conflicts],
        "history": [
            {"action": action, "user": user, "data": data, "at": at.isoformat()}
            for action, user, data, at in history
        ],
    }
