"""CSV: one row per document with its stance, confidence and how many spans and relations each layer has.

Columns: `id, external_id, content_hash, title, status, annotators`, then for the stance layer
`stance, confidence` (for any other document layer `<key>, <key>_confidence`), then `n_<key>` for
every span and relation layer. Layers left out by `--layer` get no column.
"""

import csv
from collections import Counter
from typing import IO

from annotator.exporters.base import ExportOptions, ExportReport, SchemeLayers, gold_records
from annotator.exporters.records import STANCE_LAYER
from annotator.models import Layer, Project


def write(project: Project, stream: IO[str], options: ExportOptions | None = None) -> ExportReport:
    """Write a header and one row per selected document."""
    options = options or ExportOptions()
    scheme = SchemeLayers.of(project)
    chosen = [layer for layer in scheme.layers if not options.layers or layer.key in options.layers]
    document_layers = [layer.key for layer in chosen if layer.kind == Layer.Kind.DOCUMENT]
    counted = [layer.key for layer in chosen if layer.kind != Layer.Kind.DOCUMENT]
    label_columns = []
    for key in document_layers:
        label_columns += ["stance", "confidence"] if key == STANCE_LAYER else [key, f"{key}_confidence"]
    writer = csv.writer(stream)
    writer.writerow(
        ["id", "external_id", "content_hash", "title", "status", "annotators"]
        + label_columns
        + [f"n_{key}" for key in counted]
    )
    report = ExportReport()
    for record in gold_records(project, options):
        counts = Counter(s["layer"] for s in record["spans"]) + Counter(
            r["layer"] for r in record["relations"]
        )
        labels = []
        for key in document_layers:
            row = record["document_labels"].get(key)
            labels += [row["label"], row["confidence"] or ""] if row else ["", ""]
        meta = record["meta"]
        writer.writerow(
            [record["id"], meta["external_id"], meta["content_hash"], record["title"], record["status"]]
            + [" ".join(record["annotators"])]
            + labels
            + [counts[key] for key in counted]
        )
        report.documents += 1
    return report
