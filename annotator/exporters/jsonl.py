"""Gold JSONL: one JSON object per document, documented in the README."""

import json
from typing import IO

from annotator.exporters.base import ExportOptions, ExportReport, gold_records
from annotator.models import Project


def write(project: Project, stream: IO[str], options: ExportOptions | None = None) -> ExportReport:
    """Write every selected document as one line of JSON."""
    report = ExportReport()
    for record in gold_records(project, options or ExportOptions()):
        stream.write(json.dumps(record, ensure_ascii=False))
        stream.write("\n")
        report.documents += 1
    return report
