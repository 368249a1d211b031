"""doccano JSONL: one object per document, in both of doccano 1.8's span shapes at once.

`label` holds `[start, end, label]` for sequence labelling; `entities` (`id`, `label`,
`start_offset`, `end_offset`) and `relations` (`id`, `from_id`, `to_id`, `type`) are the relation
extraction shape; `cats` lists the document labels (the stance). `id` is the external id (else the
document id); `meta` keeps title, source, kind, content hash and the Stancemark document id.
Offsets are code points, end-exclusive. Labels are bare values unless a value names labels in two
layers of the same kind (`layer:label`). Steps, attributes, confidence and rationale are not written.
"""

import json
from typing import IO, Any

from annotator.exporters.base import ExportOptions, ExportReport, SchemeLayers, gold_records
from annotator.models import Layer, Project


def write(project: Project, stream: IO[str], options: ExportOptions | None = None) -> ExportReport:
    """Write every selected document as one line of doccano JSON."""
    scheme = SchemeLayers.of(project)
    report = ExportReport()
    for record in gold_records(project, options or ExportOptions()):
        stream.write(json.dumps(doccano_object(record, scheme), ensure_ascii=False))
        stream.write("\n")
        report.documents += 1
    return report


def doccano_object(record: dict[str, Any], scheme: SchemeLayers) -> dict[str, Any]:
    meta = record["meta"]
    names = {s["id"]: scheme.label_name(Layer.Kind.SPAN, s["layer"], s["label"]) for s in record["spans"]}
    return {
        "id": meta["external_id"] or record["id"],
        "text": record["text"],
        "label": [[s["start"], s["end"], names[s["id"]]] for s in record["spans"]],
        "entities": [
            {"id": s["id"], "label": names[s["id"]], "start_offset": s["start"], "end_offset": s["end"]}
            for s in record["spans"]
        ],
        "relations": [
            {
                "id": r["id"],
                "from_id": r["head"],
                "to_id": r["tail"],
                "type": scheme.label_name(Layer.Kind.RELATION, r["layer"], r["label"]),
            }
            for r in record["relations"]
        ],
        "cats": [
            scheme.label_name(Layer.Kind.DOCUMENT, key, row["label"])
            for key, row in record["document_labels"].items()
        ],
        "meta": {
            "title": record["title"],
            "source": meta["source"],
            "kind": meta["kind"],
            "content_hash": meta["content_hash"],
            "stancemark_id": record["id"],
            "status": record["status"],
        },
    }
