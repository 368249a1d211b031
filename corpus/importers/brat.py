"""brat standoff: `.txt` files with their annotations in an `.ann` file beside each.

`path` is a folder (every `*.txt` under it, sorted, each with the `.ann` of the same stem; a text
without an `.ann` is a document without annotations) or a single `.txt` (or `.ann`) file.

The text is kept exactly as stored (CRLF is *not* turned into LF) because brat counts offsets in
code points over the file as read with `newline=""`. A leading BOM is dropped and every offset
moved back by one, as brat counts the BOM as a character.

What the `.ann` lines become:

- `T1<TAB>Label 0 5;8 12<TAB>text`: a span per fragment. A discontinuous annotation becomes one
  span per fragment, all sharing `attributes["brat_id"] = "T1"` and numbered by
  `attributes["fragment"]` (0, 1, …); relations pointing at `T1` attach to fragment 0. Every span
  carries its `brat_id`. The stored text must equal the fragments' texts joined by a space (brat's
  convention; whitespace runs are compared as one space, since brat writes line breaks as spaces).
  `Label` may be `layer:label` (split on the first colon) or a bare label (layer found by value).
- `R1<TAB>Label Arg1:T1 Arg2:T2`: a relation from the first argument to the second.
- `A1<TAB>Name T1 [Value]` (and the older `M1`): `attributes[Name] = Value` (or `true`) on every
  fragment of T1.
- `#1<TAB>AnnotatorNotes T1<TAB>text`: `attributes["note"]` on every fragment of T1 (several
  notes are joined by a line break).
- `#2<TAB>stance<TAB>pro-engagement confidence=4 rationale=T1,T3`: a note without a target is a
  document label of that layer (brat has none of its own; this is how `export_gold --format brat`
  writes the stance), with an optional confidence and rationale spans.
- Anything else (events `E`, equivalences `*`, normalisations `N`, attributes or notes on
  something other than a text-bound annotation) is not imported: those lines are listed, as
  written, in `meta["brat_ignored"]` of the document.

Problems in the `.ann` file are reported with the `.ann` file, its line and the brat id as field.
"""

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from corpus.importers.records import (
    DocumentLabelRecord,
    DocumentRecord,
    Problem,
    RecordError,
    RelationRecord,
    SpanRecord,
)
from corpus.importers.text import BOM

_OFFSETS = re.compile(r"^\d+ \d+(;\d+ \d+)*$")
_WHITESPACE = re.compile(r"\s+")


def decode_file(data: bytes, file: str) -> tuple[str, int]:
    """Decode a whole UTF-8 file exactly; return the text and 1 if a leading BOM was dropped.

    Invalid bytes and NUL characters are reported by line and by byte/character in that line.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        line_start = data.rfind(b"\n", 0, error.start) + 1
        raise RecordError(
            Problem(
                file,
                line,
                None,
                f"invalid UTF-8 at byte {error.start - line_start} of the line (byte {error.start} "
                f"of the file): {data[error.start : error.start + 4]!r}.",
            )
        ) from error
    shift = 0
    if text.startswith(BOM):
        text, shift = text[1:], 1
    nul = text.find("\x00")
    if nul != -1:
        line = text.count("\n", 0, nul) + 1
        column = nul - (text.rfind("\n", 0, nul) + 1)
        raise RecordError(
            Problem(file, line, None, f"NUL character at character {column} of the line ({nul} of the text).")
        )
    return text, shift


def split_label(value: str) -> tuple[str | None, str]:
    """`layer:label` → (layer, label); a bare label → (None, label)."""
    layer, sep, label = value.partition(":")
    if sep and layer and label:
        return layer, label
    return None, value


def title_of(text: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0].strip()[:200] if stripped else ""


def _pairs(path: Path) -> list[tuple[Path, Path]]:
    if path.is_dir():
        texts = sorted(p for p in path.rglob("*.txt") if p.is_file())
        return [(t, t.with_suffix(".ann")) for t in texts]
    if path.suffix == ".ann":
        return [(path.with_suffix(".txt"), path)]
    return [(path, path.with_suffix(".ann"))]


def read_brat(path: Path) -> Iterator[DocumentRecord | RecordError]:
    pairs = _pairs(path)
    if not pairs:
        yield RecordError(Problem(str(path), None, None, "no *.txt files in this folder."))
    for txt, ann in pairs:
        try:
            yield read_brat_pair(txt, ann)
        except RecordError as error:
            yield error
    if path.is_dir():
        for ann in sorted(p for p in path.rglob("*.ann") if p.is_file()):
            if not ann.with_suffix(".txt").is_file():
                yield RecordError(
                    Problem(str(ann), None, None, f"no text file {ann.with_suffix('.txt').name}.")
                )


def read_brat_pair(txt: Path, ann: Path) -> DocumentRecord:
    if not txt.is_file():
        raise RecordError(Problem(str(txt), None, None, "no such text file for the annotations."))
    text, shift = decode_file(txt.read_bytes(), str(txt))
    if not text.strip():
        raise RecordError(Problem(str(txt), None, "text", "the file is empty."))
    record = DocumentRecord(
        file=str(ann) if ann.is_file() else str(txt),
        line=None,
        text=text,
        title=title_of(text),
        source=txt.name[:1000],
        external_id=txt.stem[:200],
    )
    if ann.is_file():
        _parse_ann(record, ann, text, shift)
    return record


def _parse_ann(record: DocumentRecord, ann: Path, text: str, shift: int) -> None:
    file = str(ann)
    content, _ = decode_file(ann.read_bytes(), file)
    fragments: dict[str, list[SpanRecord]] = {}
    ignored: list[str] = []
    pending: list[tuple[int, str, list[str]]] = []  # relations, attributes, notes: after all T lines

    def problem(line: int, field: str | None, message: str) -> RecordError:
        return RecordError(Problem(file, line, field, message))

    for number, raw in enumerate(content.split("\n"), start=1):
        raw = raw.removesuffix("\r")
        if not raw.strip():
            continue
        columns = raw.split("\t")
        brat_id = columns[0].strip()
        if brat_id.startswith("T"):
            if len(columns) < 2:
                raise problem(number, brat_id, "expected 'T<id><TAB>Label start end<TAB>text'.")
            if brat_id in fragments:
                raise problem(number, brat_id, f"{brat_id} is defined twice.")
            label_and_offsets = columns[1].strip()
            label, _, offsets = label_and_offsets.partition(" ")
            offsets = offsets.strip()
            if not label or not _OFFSETS.match(offsets):
                raise problem(
                    number,
                    f"{brat_id}.offsets",
                    f"expected 'Label start end[;start end…]', got {columns[1]!r}.",
                )
            layer, value = split_label(label)
            pieces = []
            for piece in offsets.split(";"):
                start_s, end_s = piece.split(" ")
                start, end = max(0, int(start_s) - shift), int(end_s) - shift
                if end > len(text) or start >= end:
                    raise problem(
                        number,
                        f"{brat_id}.offsets",
                        f"[{start_s}, {end_s}) does not fit a text of {len(text) + shift} characters.",
                    )
                pieces.append((start, end))
            if len(columns) >= 3:
                stored = "\t".join(columns[2:])
                found = " ".join(text[s:e] for s, e in pieces)
                if stored != found and _WHITESPACE.sub(" ", stored) != _WHITESPACE.sub(" ", found):
                    raise problem(
                        number, f"{brat_id}.text", f"{stored!r} is not the text at {offsets}: {found!r}."
                    )
            spans = []
            for i, (start, end) in enumerate(pieces):
                attributes: dict = {"brat_id": brat_id}
                if len(pieces) > 1:
                    attributes["fragment"] = i
                spans.append(
                    SpanRecord(
                        ref=brat_id if i == 0 else f"{brat_id}#{i}",
                        start=start,
                        end=end,
                        layer=layer,
                        label=value,
                        attributes=attributes,
                        line=number,
                        name=brat_id,
                    )
                )
            fragments[brat_id] = spans
            record.spans.extend(spans)
        elif brat_id[:1] in ("R", "A", "M", "#"):
            pending.append((number, raw, columns))
        else:
            ignored.append(raw)

    for number, raw, columns in pending:
        brat_id = columns[0].strip()
        fields = columns[1].split() if len(columns) > 1 else []
        if brat_id.startswith("R"):
            if len(fields) != 3 or any(":" not in f for f in fields[1:]):
                raise problem(number, brat_id, "expected 'R<id><TAB>Label Arg1:T1 Arg2:T2'.")
            ends = [f.split(":", 1)[1] for f in fields[1:]]
            for role, target in zip(fields[1:], ends, strict=True):
                if target not in fragments:
                    if target[:1] in ("E", "R"):
                        ignored.append(raw)  # a relation on an event: events are not imported
                        break
                    raise problem(
                        number, f"{brat_id}.{role.split(':')[0]}", f"{target} is not a text-bound annotation."
                    )
            else:
                layer, value = split_label(fields[0])
                record.relations.append(
                    RelationRecord(
                        head=ends[0], tail=ends[1], label=value, layer=layer, line=number, name=brat_id
                    )
                )
        elif brat_id[:1] in ("A", "M"):
            if len(fields) not in (2, 3):
                raise problem(number, brat_id, "expected 'A<id><TAB>Name T1 [Value]'.")
            target = fields[1]
            if target not in fragments:
                if target[:1] == "T":
                    raise problem(number, f"{brat_id}.target", f"{target} is not defined in this file.")
                ignored.append(raw)
                continue
            for span in fragments[target]:
                span.attributes[fields[0]] = fields[2] if len(fields) == 3 else True
        elif len(fields) == 1 and fields[0] != "AnnotatorNotes" and len(columns) >= 3:
            record.document_labels.append(_document_label(fields[0], columns[2], fragments, problem, number))
        else:  # notes
            target = fields[1] if len(fields) == 2 else None
            if target is None or target not in fragments:
                if target is not None and target[:1] == "T":
                    raise problem(number, f"{brat_id}.target", f"{target} is not defined in this file.")
                ignored.append(raw)
                continue
            note = "\t".join(columns[2:])
            for span in fragments[target]:
                previous = span.attributes.get("note")
                span.attributes["note"] = f"{previous}\n{note}" if previous else note
    if ignored:
        record.meta["brat_ignored"] = ignored


def _document_label(
    layer: str, value: str, fragments: dict[str, list[SpanRecord]], problem: Callable, number: int
) -> DocumentLabelRecord:
    """`label [confidence=N] [rationale=T1,T2]` of a document-label note."""
    words = value.split()
    if not words:
        raise problem(number, layer, "expected a label.")
    label = DocumentLabelRecord(layer=layer, label=words[0], line=number, name=layer)
    for word in words[1:]:
        key, _, setting = word.partition("=")
        if key == "confidence" and setting.isdigit() and 1 <= int(setting) <= 5:
            label.confidence = int(setting)
        elif key == "rationale" and all(ref in fragments for ref in setting.split(",")):
            label.rationale = setting.split(",")
        else:
            raise problem(
                number, f"{layer}.{key}", f"expected confidence=1..5 or rationale=T1,T2, got {word!r}."
            )
    return label
