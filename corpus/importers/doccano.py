"""doccano JSONL: one document an object (a folder: every `*.jsonl`, sorted), read line by line.

Both span formats of doccano's exports are read:

- sequence labelling: `{"text": …, "label": [[start, end, "LABEL"], …]}`;
- relation extraction: `{"text": …, "entities": [{"id", "label", "start_offset", "end_offset"}],
  "relations": [{"id", "from_id", "to_id", "type"}]}`.

Offsets are code points over `text` (an emoji counts as one), end-exclusive. A label is either
`layer:label` (split on the first colon) or a bare label, whose layer the scheme decides.

Document-level labels (`"label": ["…"]` of text classification, `"cats": ["…"]` or spaCy-style
`"cats": {"…": 1.0}`) become the document stance only when they are a stance value
(STANCE_VALUES, with or without a `stance:` prefix); other document labels are not imported and
are listed in `meta["doccano_ignored_labels"]`. More than one stance value is an error.
`id` becomes the external id; a `meta` object and the other top-level fields doccano adds
(`Comments`, …) go to `meta`.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from corpus.importers.brat import split_label, title_of
from corpus.importers.records import (
    DocumentLabelRecord,
    DocumentRecord,
    RecordError,
    RelationRecord,
    SpanRecord,
)
from corpus.importers.text import check_document_object, read_json_lines

STANCE_LAYER = "stance"
STANCE_VALUES = frozenset({"pro-engagement", "pro-sanctions", "neutral-or-mixed", "not-about-policy"})
_KNOWN = {"id", "text", "label", "labels", "entities", "relations", "cats", "meta"}


def read_doccano(path: Path) -> Iterator[DocumentRecord | RecordError]:
    return read_json_lines(path, parse_doccano_object)


def _offset(record: DocumentRecord, value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise record.problem(field, f"expected a whole number, got {json.dumps(value)}.")
    return value


def _span(
    record: DocumentRecord, ref: Any, start: Any, end: Any, label: Any, fields: tuple[str, str, str]
) -> SpanRecord:
    start_field, end_field, label_field = fields
    start = _offset(record, start, start_field)
    end = _offset(record, end, end_field)
    if start < 0 or end > len(record.text) or start >= end:
        raise record.problem(
            end_field if start >= 0 else start_field,
            f"[{start}, {end}) does not fit a text of {len(record.text)} characters.",
        )
    if not isinstance(label, str) or not label.strip():
        raise record.problem(label_field, f"expected a label, got {json.dumps(label)}.")
    layer, value = split_label(label.strip())
    return SpanRecord(ref=ref, start=start, end=end, layer=layer, label=value)


def _document_labels(record: DocumentRecord, values: list[tuple[str, str]]) -> None:
    """Keep the stance among the document labels (value, field); list the others in meta."""
    stances: list[str] = []
    fields: list[str] = []
    ignored = []
    for value, field in values:
        layer, label = split_label(value)
        if layer in (None, STANCE_LAYER) and label in STANCE_VALUES:
            if label not in stances:
                stances.append(label)
                fields.append(field)
        else:
            ignored.append(value)
    if len(stances) > 1:
        raise record.problem(fields[1], f"more than one stance: {', '.join(stances)}.")
    if stances:
        record.document_labels.append(DocumentLabelRecord(layer=STANCE_LAYER, label=stances[0]))
    if ignored:
        record.meta.setdefault("doccano_ignored_labels", []).extend(ignored)


def parse_doccano_object(obj: Any, file: str, line: int | None) -> DocumentRecord:
    text, meta = check_document_object(obj, file, line)
    meta = dict(meta)
    for key, value in obj.items():
        if key not in _KNOWN:
            meta.setdefault(key, value)
    record = DocumentRecord(
        file=file,
        line=line,
        text=text,
        title=title_of(text),
        external_id=str(obj["id"] if obj.get("id") is not None else "")[:200],
        meta=meta,
    )
    document_labels: list[tuple[str, str]] = []
    for key in ("label", "labels"):
        items = obj.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            raise record.problem(key, "expected a list.")
        doc_labels = []
        for i, item in enumerate(items):
            if isinstance(item, str):
                doc_labels.append(item)
            elif isinstance(item, list) and len(item) == 3:
                where = f"{key}[{i}]"
                record.spans.append(
                    _span(record, where, *item, (f"{where}[0]", f"{where}[1]", f"{where}[2]"))
                )
            else:
                raise record.problem(f"{key}[{i}]", 'expected [start, end, "LABEL"] or a document label.')
        document_labels.extend((label, key) for label in doc_labels)

    entities = obj.get("entities", [])
    if not isinstance(entities, list):
        raise record.problem("entities", "expected a list.")
    ids: set = set()
    for i, entity in enumerate(entities):
        where = f"entities[{i}]"
        if not isinstance(entity, dict):
            raise record.problem(where, "each entity must be a JSON object.")
        ref = entity.get("id", where)
        if isinstance(ref, bool) or not isinstance(ref, str | int):
            raise record.problem(
                f"{where}.id", f"an entity id must be text or a whole number, got {json.dumps(ref)}."
            )
        if ref in ids:
            raise record.problem(f"{where}.id", f"entity id {json.dumps(ref)} appears twice.")
        ids.add(ref)
        record.spans.append(
            _span(
                record,
                ref,
                entity.get("start_offset"),
                entity.get("end_offset"),
                entity.get("label"),
                (f"{where}.start_offset", f"{where}.end_offset", f"{where}.label"),
            )
        )
    relations = obj.get("relations", [])
    if not isinstance(relations, list):
        raise record.problem("relations", "expected a list.")
    for i, relation in enumerate(relations):
        where = f"relations[{i}]"
        if not isinstance(relation, dict):
            raise record.problem(where, "each relation must be a JSON object.")
        for end_name in ("from_id", "to_id"):
            end = relation.get(end_name)
            if not isinstance(end, str | int) or isinstance(end, bool) or end not in ids:
                raise record.problem(
                    f"{where}.{end_name}",
                    f"{json.dumps(relation.get(end_name))} is not the id of an entity of this document.",
                )
        kind = relation.get("type")
        if not isinstance(kind, str) or not kind.strip():
            raise record.problem(f"{where}.type", "expected a relation label.")
        layer, value = split_label(kind.strip())
        record.relations.append(
            RelationRecord(head=relation["from_id"], tail=relation["to_id"], label=value, layer=layer)
        )

    cats = obj.get("cats")
    if cats is not None:
        if isinstance(cats, dict):
            chosen = [k for k, v in cats.items() if not isinstance(v, bool | int | float) or v >= 0.5]
        elif isinstance(cats, list) and all(isinstance(c, str) for c in cats):
            chosen = cats
        else:
            raise record.problem("cats", "expected a list of labels or an object of label → score.")
        document_labels.extend((label, "cats") for label in chosen)
    _document_labels(record, document_labels)
    return record
