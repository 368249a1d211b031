"""Decode input bytes strictly, so every encoding problem is reported with its position."""

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from corpus.importers.records import DocumentRecord, Problem, RecordError

BOM = "\ufeff"


def decode_text(data: bytes, file: str, line: int | None = None) -> str:
    """Decode UTF-8 (a leading BOM is dropped); refuse invalid bytes and NUL characters."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RecordError(
            Problem(
                file,
                line,
                None,
                f"invalid UTF-8 at byte {error.start}: {data[error.start : error.start + 4]!r}.",
            )
        ) from error
    if text.startswith(BOM):
        text = text[1:]
    nul = text.find("\x00")
    if nul != -1:
        raise RecordError(Problem(file, line, None, f"NUL character at character {nul}."))
    return text


def read_json_lines(
    path: Path, parse: Callable[[Any, str, int], DocumentRecord]
) -> Iterator[DocumentRecord | RecordError]:
    """Stream every `*.jsonl` file (a folder: sorted) line by line through `parse(obj, file, line)`."""
    files = sorted(p for p in path.rglob("*.jsonl") if p.is_file()) if path.is_dir() else [path]
    if not files:
        yield RecordError(Problem(str(path), None, None, "no *.jsonl files in this folder."))
    for file in files:
        with file.open("rb") as stream:
            for number, raw in enumerate(stream, start=1):
                if not raw.strip():
                    continue
                try:
                    line = decode_text(raw, str(file), number)
                    try:
                        obj = json.loads(line)
                    except json.JSONDecodeError as error:
                        message = f"not JSON: {error.msg} at column {error.colno}."
                        raise RecordError(Problem(str(file), number, None, message)) from error
                    yield parse(obj, str(file), number)
                except RecordError as error:
                    yield error


def check_document_object(obj: Any, file: str, line: int | None) -> tuple[str, dict]:
    """Return `text` and `meta` of a JSON document object, or raise naming the bad field."""
    if not isinstance(obj, dict):
        raise RecordError(Problem(file, line, None, "each line must be a JSON object."))
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise RecordError(Problem(file, line, "text", "a non-empty 'text' string is required."))
    if "\x00" in text:
        raise RecordError(Problem(file, line, "text", f"NUL character at character {text.index(chr(0))}."))
    meta = obj.get("meta", {})
    if not isinstance(meta, dict):
        raise RecordError(Problem(file, line, "meta", "meta must be a JSON object."))
    return text, meta
