"""The native record shapes of annotations, shared by the API and the gold JSONL export."""

from typing import TYPE_CHECKING, Any

from annotator.models import AnnotationSet, DocumentLabel, Project, Relation, Span

if TYPE_CHECKING:
    from annotator.selectors import DocumentWithAnnotations

STANCE_LAYER = "stance"


def with_provenance(record: dict[str, Any], item: Span | Relation | DocumentLabel) -> dict[str, Any]:
    """Curated gold items say where they came from; annotators' own items carry nothing extra."""
    if getattr(item, "provenance", None):
        record["provenance"] = item.provenance
    return record


def span_record(span: Span, text: str) -> dict[str, Any]:
    return with_provenance(
        {
            "id": span.pk,
            "start": span.start,
            "end": span.end,
            "text": text[span.start : span.end],
            "layer": span.label.layer.key,
            "label": span.label.value,
            "step": span.step,
            "attributes": span.attributes,
            "origin": span.origin,
        },
        span,
    )


def relation_record(relation: Relation) -> dict[str, Any]:
    record = {
        "id": relation.pk,
        "head": relation.head_id,
        "tail": relation.tail_id,
        "layer": relation.label.layer.key,
        "label": relation.label.value,
    }
    return with_provenance(record, relation)


def document_label_record(row: DocumentLabel) -> dict[str, Any]:
    record = {
        "layer": row.layer.key,
        "label": row.label.value,
        "confidence": row.confidence,
        "rationale": sorted(s.pk for s in row.rationale.all()),
    }
    return with_provenance(record, row)


def annotation_record(annotation_set: AnnotationSet, text: str) -> dict[str, Any]:
    """Spans, relations and document labels of one annotation set (prefetched) as plain data."""
    document_labels = {
        row.layer.key: document_label_record(row) for row in annotation_set.document_labels.all()
    }
    return {
        "stance": document_labels.get(STANCE_LAYER),
        "document_labels": document_labels,
        "spans": [
            span_record(span, text)
            for span in sorted(annotation_set.spans.all(), key=lambda s: (s.start, s.end, s.pk))
        ],
        "relations": [relation_record(r) for r in annotation_set.relations.all()],
    }


def gold_record(item: "DocumentWithAnnotations", project: Project, all_annotators: bool) -> dict[str, Any]:
    """One document with its gold (and, if asked, every submitted annotation set) as plain data."""
    document = item.document
    gold = item.gold
    if gold is not None:
        status = "gold"
    elif item.submitted:
        status = "needs-curation"
    else:
        status = "unannotated"
    record = {
        "id": document.pk,
        "title": document.title,
        "text": document.text,
        "meta": {
            **document.meta,
            "source": document.source,
            "kind": document.kind,
            "external_id": document.external_id,
            "content_hash": document.content_hash,
            "corpus": project.corpus.slug,
            "project": project.slug,
            "scheme": f"{project.scheme.slug}@{project.scheme.version}",
        },
        "status": status,
        **(
            annotation_record(gold, document.text)
            if gold
            else {
                "stance": None,
                "document_labels": {},
                "spans": [],
                "relations": [],
            }
        ),
        "annotators": [s.annotator.username for s in item.submitted],
    }
    if all_annotators:
        record["annotations"] = [
            {
                "annotator": s.annotator.username,
                "submitted_at": s.submitted_at.isoformat() if s.submitted_at else None,
                **annotation_record(s, document.text),
            }
            for s in item.submitted
        ]
    return record
