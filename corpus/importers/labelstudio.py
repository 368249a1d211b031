"""Label Studio JSON export: a JSON array of tasks, one document per task (a folder: every `*.json`).

The file is one JSON document, so it is read whole. Each task needs `data.text`; `id` becomes the
external id and the other `data` fields go to `meta`. Only the task's first annotation
(`annotations[0]`) is imported; its `result` items are read by `type`:

- `labels`: a span per label in `value.labels` over [`value.start`, `value.end`); `from_name` is
  the layer, unless it is one of Label Studio's generic control names (GENERIC_NAMES, such as
  `label`), in which case the scheme decides the layer; a label written `layer:label` names its
  layer itself. Offsets are code points; if `value.text` does not match them but does match them
  read as UTF-16 units (what the browser counts: an emoji is two), they are converted.
- `relation`: a relation from `from_id` to `to_id` labelled by its first `labels` entry.
- `choices`: the document stance (`from_name` `stance` or a generic name);
  `rating` with `from_name` `confidence` gives its confidence. Choices of other `from_name`s are
  not imported and are listed in `meta["labelstudio_ignored"]`.

Problems are located with the task index in place of a line number: `line` is the index of the
task in the array and the field is a path such as `tasks[3].annotations[0].result[2].value.start`.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from corpus.importers.brat import decode_file, split_label, title_of
from corpus.importers.records import (
    DocumentLabelRecord,
    DocumentRecord,
    Problem,
    RecordError,
    RelationRecord,
    SpanRecord,
)

GENERIC_NAMES = frozenset({"label", "labels", "ner", "choice", "choices", "sentiment", "class"})
STANCE_LAYER = "stance"


def read_labelstudio(path: Path) -> Iterator[DocumentRecord | RecordError]:
    files = sorted(p for p in path.rglob("*.json") if p.is_file()) if path.is_dir() else [path]
    if not files:
        yield RecordError(Problem(str(path), None, None, "no *.json files in this folder."))
    for file in files:
        try:
            text, _ = decode_file(file.read_bytes(), str(file))
            try:
                tasks = json.loads(text)
            except json.JSONDecodeError as error:
                raise RecordError(
                    Problem(str(file), error.lineno, None, f"not JSON: {error.msg} at column {error.colno}.")
                ) from error
            if isinstance(tasks, dict):
                tasks = [tasks]
            if not isinstance(tasks, list):
                raise RecordError(Problem(str(file), None, None, "expected a JSON array of tasks."))
        except RecordError as error:
            yield error
            continue
        for index, task in enumerate(tasks):
            try:
                yield parse_task(task, str(file), index)
            except RecordError as error:
                yield error


def _utf16_to_code_points(text: str, offset: int) -> int | None:
    units = 0
    for i, char in enumerate(text):
        if units == offset:
            return i
        if units > offset:
            return None
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text) if units == offset else None


def parse_task(task: Any, file: str, index: int) -> DocumentRecord:
    where = f"tasks[{index}]"

    def problem(field: str | None, message: str) -> RecordError:
        return RecordError(Problem(file, index, field, f"{message} (line = task index {index})"))

    if not isinstance(task, dict):
        raise problem(where, "each task must be a JSON object.")
    data = task.get("data")
    if not isinstance(data, dict):
        raise problem(f"{where}.data", "each task needs a 'data' object.")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise problem(f"{where}.data.text", "a non-empty 'text' string is required.")
    if "\x00" in text:
        raise problem(f"{where}.data.text", f"NUL character at character {text.index(chr(0))}.")
    record = DocumentRecord(
        file=file,
        line=index,
        text=text,
        title=str(data.get("title") or title_of(text))[:500],
        source=str(data.get("source") or "")[:1000],
        external_id=str(task["id"] if task.get("id") is not None else "")[:200],
        meta={k: v for k, v in data.items() if k not in ("text", "title", "source")},
    )
    annotations = task.get("annotations") or []
    if not isinstance(annotations, list):
        raise problem(f"{where}.annotations", "expected a list.")
    if not annotations:
        return record
    if not isinstance(annotations[0], dict) or not isinstance(annotations[0].get("result", []), list):
        raise problem(f"{where}.annotations[0]", "expected an object with a 'result' list.")
    result = annotations[0].get("result", [])
    ids: set = set()
    relations: list[tuple[str, dict]] = []
    stance: DocumentLabelRecord | None = None
    confidence: int | None = None
    ignored: list = []
    for i, item in enumerate(result):
        at = f"{where}.annotations[0].result[{i}]"
        if not isinstance(item, dict):
            raise problem(at, "each result must be a JSON object.")
        kind = item.get("type")
        value = item.get("value")
        from_name = item.get("from_name")
        if kind == "relation":
            relations.append((at, item))
            continue
        if not isinstance(value, dict):
            raise problem(f"{at}.value", "expected an object.")
        if kind == "labels":
            start, end = value.get("start"), value.get("end")
            for name, offset in (("start", start), ("end", end)):
                if isinstance(offset, bool) or not isinstance(offset, int):
                    raise problem(f"{at}.value.{name}", f"expected a whole number, got {json.dumps(offset)}.")
            stored = value.get("text")
            if isinstance(stored, str) and text[start:end] != stored:
                converted = (_utf16_to_code_points(text, start), _utf16_to_code_points(text, end))
                if None not in converted and text[converted[0] : converted[1]] == stored:
                    start, end = converted
            if start < 0 or end > len(text) or start >= end:
                raise problem(
                    f"{at}.value.end" if start >= 0 else f"{at}.value.start",
                    f"[{start}, {end}) does not fit a text of {len(text)} characters.",
                )
            if isinstance(stored, str) and text[start:end] != stored:
                raise problem(
                    f"{at}.value.text",
                    f"{json.dumps(stored)} is not the text at [{start}, {end}): "
                    f"{json.dumps(text[start:end])}.",
                )
            labels = value.get("labels")
            if (
                not isinstance(labels, list)
                or not labels
                or not all(isinstance(x, str) and x for x in labels)
            ):
                raise problem(f"{at}.value.labels", "expected a non-empty list of labels.")
            ref = item.get("id", at)
            if isinstance(ref, bool) or not isinstance(ref, str | int):
                raise problem(
                    f"{at}.id", f"a result id must be text or a whole number, got {json.dumps(ref)}."
                )
            if ref in ids:
                raise problem(f"{at}.id", f"result id {json.dumps(ref)} appears twice.")
            ids.add(ref)
            default_layer = (
                from_name if isinstance(from_name, str) and from_name not in GENERIC_NAMES else None
            )
            for k, label in enumerate(labels):
                layer, name = split_label(label)
                record.spans.append(
                    SpanRecord(
                        ref=ref if k == 0 else f"{ref}#{k}",
                        start=start,
                        end=end,
                        layer=layer or default_layer,
                        label=name,
                    )
                )
        elif kind == "choices":
            choices = value.get("choices")
            if not isinstance(choices, list) or not all(isinstance(x, str) and x for x in choices):
                raise problem(f"{at}.value.choices", "expected a list of choices.")
            if from_name == STANCE_LAYER or from_name in GENERIC_NAMES:
                if len(choices) != 1 or stance is not None:
                    raise problem(f"{at}.value.choices", "a document has one stance.")
                layer, name = split_label(choices[0])
                stance = DocumentLabelRecord(layer=layer or STANCE_LAYER, label=name)
            else:
                ignored.append({"from_name": from_name, "choices": choices})
        elif kind == "rating" and from_name == "confidence":
            rating = value.get("rating")
            if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
                raise problem(f"{at}.value.rating", f"{json.dumps(rating)} is not from 1 to 5.")
            confidence = rating
        else:
            ignored.append({"from_name": from_name, "type": kind})
    for at, item in relations:
        for end_name in ("from_id", "to_id"):
            end = item.get(end_name)
            if not isinstance(end, str | int) or isinstance(end, bool) or end not in ids:
                raise problem(
                    f"{at}.{end_name}",
                    f"{json.dumps(item.get(end_name))} is not the id of a labelled span of this task.",
                )
        labels = item.get("labels")
        if (
            not isinstance(labels, list)
            or len(labels) != 1
            or not isinstance(labels[0], str)
            or not labels[0]
        ):
            raise problem(f"{at}.labels", "a relation needs exactly one label.")
        layer, name = split_label(labels[0])
        head, tail = item["from_id"], item["to_id"]
        if item.get("direction") == "left":
            head, tail = tail, head
        record.relations.append(RelationRecord(head=head, tail=tail, label=name, layer=layer))
    if stance is not None:
        stance.confidence = confidence
        record.document_labels.append(stance)
    if ignored:
        record.meta["labelstudio_ignored"] = ignored
    return record
