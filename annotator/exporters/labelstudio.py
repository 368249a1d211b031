"""Label Studio JSON: one JSON array of tasks, each with its annotation's `result` list.

A task is `{"id", "data": {"text", "title", "external_id", "content_hash", …}, "annotations"}`.
Result items: `labels` (`from_name` = the span layer, `value.start`/`end` in code points with
`value.text`), `relation` (`from_id`, `to_id`, `labels`), `choices` for each document label
(`from_name` = its layer) and `rating` (`from_name` `confidence`) for the stance's confidence.
Only gold is written, one annotation per task (none when the document has no gold); with
`--all-annotators` every submitted annotation set becomes one annotation. Steps, attributes and
rationale are not written.
"""

import json
from typing import IO, Any

from annotator.exporters.base import ExportOptions, ExportReport, SchemeLayers, gold_records
from annotator.exporters.records import STANCE_LAYER
from annotator.models import Layer, Project

# Label Studio's generic control names: a layer called like this cannot name its layer by from_name.
GENERIC_NAMES = frozenset({"label", "labels", "ner", "choice", "choices", "sentiment", "class"})


def write(project: Project, stream: IO[str], options: ExportOptions | None = None) -> ExportReport:
    """Write the JSON array, one task per selected document, streamed."""
    scheme = SchemeLayers.of(project)
    report = ExportReport()
    stream.write("[")
    for record in gold_records(project, options or ExportOptions()):
        stream.write(",\n" if report.documents else "\n")
        stream.write(json.dumps(task(record, scheme), ensure_ascii=False))
        report.documents += 1
    stream.write("\n]\n")
    return report


def task(record: dict[str, Any], scheme: SchemeLayers) -> dict[str, Any]:
    meta = record["meta"]
    if "annotations" in record:
        annotations = [
            {"result": result(a, record["text"], scheme), "stancemark_annotator": a["annotator"]}
            for a in record["annotations"]
        ]
    elif record["status"] == "gold":
        annotations = [
            {
                "result": result(record, record["text"], scheme),
                "ground_truth": True,
                "stancemark_annotator": record["annotators"][0],
            }
        ]
    else:
        annotations = []
    return {
        "id": record["id"],
        "data": {
            "text": record["text"],
            "title": record["title"],
            "source": meta["source"],
            "kind": meta["kind"],
            "external_id": meta["external_id"],
            "content_hash": meta["content_hash"],
        },
        "annotations": annotations,
    }


def result(annotations: dict[str, Any], text: str, scheme: SchemeLayers) -> list[dict[str, Any]]:
    """The `result` list of one annotation set's spans, relations and document labels."""
    items: list[dict[str, Any]] = []
    for span in annotations["spans"]:
        layer = span["layer"]
        label = f"{layer}:{span['label']}" if layer in GENERIC_NAMES else span["label"]
        items.append(
            {
                "id": f"s{span['id']}",
                "from_name": layer,
                "to_name": "text",
                "type": "labels",
                "value": {
                    "start": span["start"],
                    "end": span["end"],
                    "text": text[span["start"] : span["end"]],
                    "labels": [label],
                },
            }
        )
    for relation in annotations["relations"]:
        items.append(
            {
                "from_id": f"s{relation['head']}",
                "to_id": f"s{relation['tail']}",
                "type": "relation",
                "direction": "right",
                "labels": [scheme.label_name(Layer.Kind.RELATION, relation["layer"], relation["label"])],
            }
        )
    for key, row in annotations["document_labels"].items():
        items.append(
            {
                "id": f"d-{key}",
                "from_name": key,
                "to_name": "text",
                "type": "choices",
                "value": {"choices": [row["label"]]},
            }
        )
        if key == STANCE_LAYER and row["confidence"] is not None:
            items.append(
                {
                    "id": "confidence",
                    "from_name": "confidence",
                    "to_name": "text",
                    "type": "rating",
                    "value": {"rating": row["confidence"]},
                }
            )
    return items
