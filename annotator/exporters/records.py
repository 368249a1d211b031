"""The native record shapes of annotations, shared by the API and the gold JSONL export."""

import functools
import json
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast

from annotator import plain_sql as sql
from annotator.models import DocumentLabel, Label, Layer, Project, Relation, Span

if TYPE_CHECKING:
    from annotator.selectors import DocumentRows
    from corpus.models import Document

STANCE_LAYER = "stance"


# Columns read for spans and relations when they are loaded as plain rows (values_list), which is
# several times faster than model instances for a document with a thousand spans. JSON fields come
# as their stored text: nearly all are "{}", and decoding each costs more than the rest of the row.
RAW_JSON = {
    "attributes_json": Cast("attributes", TextField()),
    "provenance_json": Cast("provenance", TextField()),
}
SPAN_COLUMNS = (
    "id", "start", "end", "label__layer__key", "label__value", "step", "attributes_json", "origin",
    "provenance_json",
)  # fmt: skip
RELATION_COLUMNS = ("id", "head_id", "tail_id", "label__layer__key", "label__value", "provenance_json")


def document_record(document: "Document") -> dict[str, Any]:
    """A document as the API gives it (the fields of `DocumentOutput`)."""
    return {
        "id": document.pk,
        "title": document.title,
        "text": document.text,
        "content_hash": document.content_hash,
        "source": document.source,
        "kind": document.kind,
        "meta": document.meta,
    }


def span_rows(spans: QuerySet[Span], *first: str) -> QuerySet:
    """`spans` as tuples of `first` columns, then SPAN_COLUMNS."""
    return spans.annotate(**RAW_JSON).values_list(*first, *SPAN_COLUMNS)


def relation_rows(relations: QuerySet[Relation], *first: str) -> QuerySet:
    """`relations` as tuples of `first` columns, then RELATION_COLUMNS."""
    return relations.annotate(provenance_json=RAW_JSON["provenance_json"]).values_list(
        *first, *RELATION_COLUMNS
    )


def _json(stored: Any) -> Any:
    """A JSON field's value from its stored text (or the value itself, from a model instance)."""
    if not isinstance(stored, str):
        return stored if stored is not None else {}
    return {} if stored == "{}" else json.loads(stored)


def with_provenance(record: dict[str, Any], provenance: dict | None) -> dict[str, Any]:
    """Curated gold items say where they came from; annotators' own items carry nothing extra."""
    if provenance:
        record["provenance"] = provenance
    return record


def span_row_record(row: tuple, text: str) -> dict[str, Any]:
    """A span read as SPAN_COLUMNS, in its record shape."""
    pk, start, end, layer, label, step, attributes, origin, provenance = row
    record = {
        "id": pk,
        "start": start,
        "end": end,
        "text": text[start:end],
        "layer": layer,
        "label": label,
        "step": step,
        "attributes": _json(attributes),
        "origin": origin,
    }
    return with_provenance(record, _json(provenance))


def span_record(span: Span, text: str) -> dict[str, Any]:
    row = (span.pk, span.start, span.end, span.label.layer.key, span.label.value, span.step, span.attributes)
    return span_row_record((*row, span.origin, span.provenance), text)


def relation_row_record(row: tuple) -> dict[str, Any]:
    """A relation read as RELATION_COLUMNS, in its record shape."""
    pk, head, tail, layer, label, provenance = row
    record = {"id": pk, "head": head, "tail": tail, "layer": layer, "label": label}
    return with_provenance(record, _json(provenance))


def relation_record(relation: Relation) -> dict[str, Any]:
    layer, label = relation.label.layer.key, relation.label.value
    return relation_row_record(
        (relation.pk, relation.head_id, relation.tail_id, layer, label, relation.provenance)
    )


def rationale_ids(document_label_id: int) -> list[int]:
    """The ids of the spans given as a document label's rationale, ascending."""
    through = DocumentLabel.rationale.through
    rows = sql.fetch_all(
        f"SELECT span_id FROM {sql.table(through)} WHERE documentlabel_id = %s ORDER BY span_id",
        [document_label_id],
    )
    return [span_id for (span_id,) in rows]


def document_label_record(row: DocumentLabel, rationale: list[int] | None = None) -> dict[str, Any]:
    """The label as the API gives it; `rationale` (span ids, ascending) if known, else it is read."""
    record = {
        "layer": row.layer.key,
        "label": row.label.value,
        "confidence": row.confidence,
        "rationale": rationale_ids(row.pk) if rationale is None else rationale,
    }
    return with_provenance(record, row.provenance)


@functools.cache
def _set_content_sql() -> dict[str, str]:
    """One annotation set's spans, relations, document labels and rationale, as plain SQL.

    Same columns as SPAN_COLUMNS and RELATION_COLUMNS (JSON as stored text): the workspace fetches
    this on every document it opens, and the ORM's query building cost more than the reads.
    """
    q = sql.quote
    span, relation, document_label = sql.table(Span), sql.table(Relation), sql.table(DocumentLabel)
    label, layer = sql.table(Label), sql.table(Layer)
    through = sql.table(DocumentLabel.rationale.through)
    named = f"JOIN {label} l ON l.id = x.label_id JOIN {layer} y ON y.id = l.layer_id"
    return {
        "spans": (
            f"SELECT x.id, x.{q('start')}, x.{q('end')}, y.{q('key')}, l.{q('value')}, x.step, "
            f"CAST(x.attributes AS TEXT), x.origin, CAST(x.provenance AS TEXT) FROM {span} x {named} "
            f"WHERE x.annotation_set_id = %s ORDER BY x.{q('start')}, x.{q('end')}, x.id"
        ),
        "relations": (
            f"SELECT x.id, x.head_id, x.tail_id, y.{q('key')}, l.{q('value')}, CAST(x.provenance AS TEXT) "
            f"FROM {relation} x {named} WHERE x.annotation_set_id = %s ORDER BY x.id"
        ),
        "document_labels": (
            f"SELECT x.id, y.{q('key')}, l.{q('value')}, x.confidence, CAST(x.provenance AS TEXT) "
            f"FROM {document_label} x {named} WHERE x.annotation_set_id = %s ORDER BY x.id"
        ),
        "rationale": (
            f"SELECT r.documentlabel_id, r.span_id FROM {through} r "
            f"JOIN {document_label} x ON x.id = r.documentlabel_id WHERE x.annotation_set_id = %s"
        ),
    }


def annotation_set_rows(annotation_set_id: int, text: str) -> dict[str, Any]:
    """Spans, relations and document labels of one annotation set as plain records (four queries)."""
    queries = _set_content_sql()
    spans = [span_row_record(row, text) for row in sql.fetch_all(queries["spans"], [annotation_set_id])]
    relations = [relation_row_record(row) for row in sql.fetch_all(queries["relations"], [annotation_set_id])]
    labels = sql.fetch_all(queries["document_labels"], [annotation_set_id])
    rationale: dict[int, list[int]] = {row[0]: [] for row in labels}
    if labels:
        for label_id, span_id in sql.fetch_all(queries["rationale"], [annotation_set_id]):
            rationale[label_id].append(span_id)
    document_labels = {
        layer: with_provenance(
            {"layer": layer, "label": label, "confidence": confidence, "rationale": sorted(rationale[pk])},
            _json(provenance),
        )
        for pk, layer, label, confidence, provenance in labels
    }
    return {
        "stance": document_labels.get(STANCE_LAYER),
        "document_labels": document_labels,
        "spans": spans,
        "relations": relations,
    }


def annotation_sets_records(texts: dict[int, str]) -> dict[int, dict[str, Any]]:
    """`annotation_set_rows` of many sets at once (four queries), keyed by set id; `texts` by set id."""
    ids = list(texts)
    content: dict[int, dict[str, Any]] = {
        pk: {"stance": None, "document_labels": {}, "spans": [], "relations": []} for pk in ids
    }
    if not ids:
        return content
    spans = Span.objects.filter(annotation_set_id__in=ids).order_by("annotation_set_id", "start", "end", "id")
    for set_id, *row in span_rows(spans, "annotation_set_id"):
        content[set_id]["spans"].append(span_row_record(tuple(row), texts[set_id]))
    relations = Relation.objects.filter(annotation_set_id__in=ids).order_by("annotation_set_id", "id")
    for set_id, *row in relation_rows(relations, "annotation_set_id"):
        content[set_id]["relations"].append(relation_row_record(tuple(row)))
    labels = list(
        DocumentLabel.objects.filter(annotation_set_id__in=ids)
        .order_by("annotation_set_id", "id")
        .values_list("id", "annotation_set_id", "layer__key", "label__value", "confidence", "provenance")
    )
    rationale: dict[int, list[int]] = {row[0]: [] for row in labels}
    through = DocumentLabel.rationale.through.objects.filter(documentlabel_id__in=list(rationale))
    for label_id, span_id in through.values_list("documentlabel_id", "span_id"):
        rationale[label_id].append(span_id)
    for pk, set_id, layer, label, confidence, provenance in labels:
        record = {
            "layer": layer,
            "label": label,
            "confidence": confidence,
            "rationale": sorted(rationale[pk]),
        }
        content[set_id]["document_labels"][layer] = with_provenance(record, provenance)
    for item in content.values():
        item["stance"] = item["document_labels"].get(STANCE_LAYER)
    return content


def gold_status(item: "DocumentRows") -> str:
    if item.gold is not None:
        return "gold"
    return "needs-curation" if item.submitted else "unannotated"


def gold_record(
    item: "DocumentRows", content: dict[int, dict[str, Any]], project: Project, all_annotators: bool
) -> dict[str, Any]:
    """One document with its gold (and, if asked, every submitted set) as plain data; `content` by set id."""
    document = item.document
    gold = item.gold
    record = {
        "id": document["id"],
        "title": document["title"],
        "text": document["text"],
        "meta": {
            **document["meta"],
            "source": document["source"],
            "kind": document["kind"],
            "external_id": document["external_id"],
            "content_hash": document["content_hash"],
            "corpus": project.corpus.slug,
            "project": project.slug,
            "scheme": f"{project.scheme.slug}@{project.scheme.version}",
        },
        "status": gold_status(item),
        **(
            content[gold.id]
            if gold
            else {
                "stance": None,
                "document_labels": {},
                "spans": [],
                "relations": [],
            }
        ),
        "annotators": [s.annotator for s in item.submitted],
    }
    if all_annotators:
        record["annotations"] = [
            {
                "annotator": s.annotator,
                "submitted_at": s.submitted_at.isoformat() if s.submitted_at else None,
                **content[s.id],
            }
            for s in item.submitted
        ]
    return record
