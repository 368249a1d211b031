"""Plain text: one document per file, or every `.txt` file in a folder (sorted by name)."""

from collections.abc import Iterator
from pathlib import Path

from corpus.importers.records import DocumentRecord, Problem, RecordError
from corpus.importers.text import decode_text


def read_txt(path: Path) -> Iterator[DocumentRecord | RecordError]:
    files = sorted(p for p in path.rglob("*.txt") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        try:
            text = decode_text(file.read_bytes(), str(file))
        except RecordError as error:
            yield error
            continue
        # Stored text is canonical LF; offsets computed by other tools on CRLF text would not fit.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip():
            yield RecordError(Problem(str(file), None, "text", "the file is empty."))
            continue
        first_line = text.strip().split("\n", 1)[0].strip()
        yield DocumentRecord(
            file=str(file),
            line=None,
            text=text,
            title=first_line[:200],
            source=file.name,
            external_id=file.stem,
        )
