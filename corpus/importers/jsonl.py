"""Gold JSONL: one document an object, `text` plus metadata, optionally with annotations.

The shape is the one `export_gold --format jsonl` writes (see README), so exports import back.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from corpus.importers.records import (
    DocumentLabelRecord,
    DocumentRecord,
    Problem,
    RecordError,
    RelationRecord,
    SpanRecord,
)
from corpus.importers.text import check_document_object, read_json_lines
from corpus.models import Document

KINDS = {value for value, _ in Document.KIND_CHOICES}
# Keys export_gold adds to meta that describe the document or project rather than belong to it.
EXPORT_ONLY_META = {"source", "kind", "external_id", "content_hash", "corpus", "project", "scheme"}


def read_jsonl(path: Path) -> Iterator[DocumentRecord | RecordError]:
    return read_json_lines(path, parse_gold_object)


def _int(record: DocumentRecord, value: Any, field: str, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise record.problem(field, f"expected a whole number, got {json.dumps(value)}.")
    return value


def _str(record: DocumentRecord, value: Any, field: str, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise record.problem(field, f"expected text, got {json.dumps(value)}.")
    return value


def _ref(record: DocumentRecord, value: Any, field: str) -> str | int:
    """A span id as the file gives it: a string or a whole number."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise record.problem(field, f"a span id must be a string or a whole number, got {json.dumps(value)}.")
    return value


def parse_gold_object(obj: Any, file: str, line: int | None) -> DocumentRecord:
    """Turn one decoded JSON object into a DocumentRecord, checking every field."""
    text, meta = check_document_object(obj, file, line)
    # Our own export nests source, kind and external_id in meta; read them from either place.
    kind = obj.get("kind", meta.get("kind", "other"))
    if not isinstance(kind, str) or kind not in KINDS:
        raise RecordError(Problem(file, line, "kind", f"{kind!r} is not one of {', '.join(sorted(KINDS))}."))
    record = DocumentRecord(
        file=file,
        line=line,
        text=text,
        title=str(obj.get("title") or "")[:500],
        source=str(obj.get("source") or meta.get("source") or "")[:1000],
        kind=kind,
        external_id=str(meta.get("external_id") or (obj.get("id") if obj.get("id") is not None else ""))[
            :200
        ],
        meta={k: v for k, v in meta.items() if k not in EXPORT_ONLY_META},
    )
    spans = obj.get("spans", [])
    if not isinstance(spans, list):
        raise record.problem("spans", "spans must be a list.")
    seen_refs: set = set()
    for i, span in enumerate(spans):
        where = f"spans[{i}]"
        if not isinstance(span, dict):
            raise record.problem(where, "each span must be a JSON object.")
        start = _int(record, span.get("start"), f"{where}.start")
        end = _int(record, span.get("end"), f"{where}.end")
        assert start is not None and end is not None
        if start < 0 or end > len(text) or start >= end:
            raise record.problem(
                f"{where}.end" if start >= 0 else f"{where}.start",
                f"[{start}, {end}) does not fit a text of {len(text)} characters.",
            )
        if "text" in span and span["text"] != text[start:end]:
            raise record.problem(
                f"{where}.text",
                f"{json.dumps(span['text'])} is not the text at [{start}, {end}): "
                f"{json.dumps(text[start:end])}.",
            )
        ref = _ref(record, span.get("id", i), f"{where}.id")
        if ref in seen_refs:
            raise record.problem(f"{where}.id", f"span id {json.dumps(ref)} appears twice.")
        seen_refs.add(ref)
        attributes = span.get("attributes") or {}
        if not isinstance(attributes, dict):
            raise record.problem(f"{where}.attributes", "attributes must be a JSON object.")
        score = span.get("score")
        if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
            raise record.problem(f"{where}.score", "score must be a number.")
        record.spans.append(
            SpanRecord(
                ref=ref,
                start=start,
                end=end,
                layer=_str(record, span.get("layer"), f"{where}.layer", optional=True),
                label=_str(record, span.get("label"), f"{where}.label") or "",
                attributes=attributes,
                step=_int(record, span.get("step"), f"{where}.step", optional=True),
                score=score,
            )
        )
    relations = obj.get("relations", [])
    if not isinstance(relations, list):
        raise record.problem("relations", "relations must be a list.")
    for i, relation in enumerate(relations):
        where = f"relations[{i}]"
        if not isinstance(relation, dict):
            raise record.problem(where, "each relation must be a JSON object.")
        for end_name in ("head", "tail"):
            if _ref(record, relation.get(end_name), f"{where}.{end_name}") not in seen_refs:
                raise record.problem(
                    f"{where}.{end_name}",
                    f"{json.dumps(relation.get(end_name))} is not the id of a span of this document.",
                )
        record.relations.append(
            RelationRecord(
                head=relation["head"],
                tail=relation["tail"],
                label=_str(record, relation.get("label"), f"{where}.label") or "",
                layer=_str(record, relation.get("layer"), f"{where}.layer", optional=True),
            )
        )
    stance = obj.get("stance")
    if stance is not None:
        if not isinstance(stance, dict):
            raise record.problem("stance", "stance must be a JSON object or null.")
        if stance.get("label") is not None:
            rationale = stance.get("rationale") or []
            if not isinstance(rationale, list):
                raise record.problem("stance.rationale", "rationale must be a list of span ids.")
            for ref in rationale:
                if _ref(record, ref, "stance.rationale") not in seen_refs:
                    raise record.problem(
                        "stance.rationale", f"{json.dumps(ref)} is not the id of a span of this document."
                    )
            confidence = _int(record, stance.get("confidence"), "stance.confidence", optional=True)
            if confidence is not None and not 1 <= confidence <= 5:
                raise record.problem("stance.confidence", f"{confidence} is not from 1 to 5.")
            record.document_labels.append(
                DocumentLabelRecord(
                    layer=str(stance.get("layer") or "stance"),
                    label=_str(record, stance.get("label"), "stance.label") or "",
                    confidence=confidence,
                    rationale=rationale,
                )
            )
    return record
