"""Gold JSONL: one JSON object per document, documented in the README."""

import json
from collections.abc import Callable
from typing import IO

from annotator.exporters.records import annotation_record
from annotator.models import Project
from annotator.selectors import DocumentWithAnnotations, project_documents_for_export


def gold_record(item: DocumentWithAnnotations, project: Project, all_annotators: bool) -> dict:
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


def write(
    project: Project,
    stream: IO[str],
    all_annotators: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write every document of the project; return how many were written."""
    count = 0
    for item in project_documents_for_export(project):
        stream.write(json.dumps(gold_record(item, project, all_annotators), ensure_ascii=False))
        stream.write("\n")
        count += 1
        if on_progress:
            on_progress(1)
    return count
