"""CSV with a header row: one document a row, its text in a chosen column (a folder: every `*.csv`).

`read_csv` takes the text from column `text`; `make_csv_reader(text_column, title_column,
id_column)` makes a reader for other columns. The title defaults to the text's first line, the
external id to the row number; every other column goes to `meta` under its header name.

The file is streamed row by row. Each record's line is the physical line where its row starts
(a quoted field may span several lines). CRLF in the text becomes LF, as for `txt`. Invalid UTF-8
and NUL characters are reported by line and byte; such a row is skipped as bad and the rest of the
file is still read. A missing column is reported as line 1 with the column as field.
Reading raises the `csv` module's field size limit (process-wide) so long articles fit.
"""

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

from corpus.importers.records import DocumentRecord, Problem, RecordError
from corpus.importers.text import decode_text

FIELD_SIZE_LIMIT = 2**31 - 1


class _DecodedLines:
    """Physical lines of a binary stream, decoded; decoding problems are kept for the current row."""

    def __init__(self, stream, file: str) -> None:
        self.stream = stream
        self.file = file
        self.errors: list[RecordError] = []

    def __iter__(self) -> Iterator[str]:
        for number, raw in enumerate(self.stream, start=1):
            try:
                yield decode_text(raw, self.file, number)
            except RecordError as error:
                self.errors.append(error)
                yield raw.decode("utf-8", errors="replace").replace("\x00", "")


def make_csv_reader(
    text_column: str = "text", title_column: str | None = None, id_column: str | None = None
) -> Callable[[Path], Iterator[DocumentRecord | RecordError]]:
    """A reader taking each document's text (and optionally title and id) from the named columns."""

    def read_csv(path: Path) -> Iterator[DocumentRecord | RecordError]:
        if csv.field_size_limit() < FIELD_SIZE_LIMIT:
            csv.field_size_limit(FIELD_SIZE_LIMIT)
        files = sorted(p for p in path.rglob("*.csv") if p.is_file()) if path.is_dir() else [path]
        if not files:
            yield RecordError(Problem(str(path), None, None, "no *.csv files in this folder."))
        for file in files:
            yield from _read_file(file, text_column, title_column, id_column)

    return read_csv


def _read_file(
    file: Path, text_column: str, title_column: str | None, id_column: str | None
) -> Iterator[DocumentRecord | RecordError]:
    name = str(file)
    with file.open("rb") as stream:
        lines = _DecodedLines(stream, name)
        rows = csv.reader(lines)
        try:
            header = next(rows, None)
            if lines.errors:
                yield lines.errors[0]
                return
            if header is None:
                yield RecordError(Problem(name, 1, None, "the file is empty; a header row is needed."))
                return
            for column in (text_column, title_column, id_column):
                if column is not None and column not in header:
                    yield RecordError(
                        Problem(
                            name, 1, column, f"no column '{column}'; the columns are {', '.join(header)}."
                        )
                    )
                    return
            index = {column: i for i, column in reversed(list(enumerate(header)))}
            used = {text_column, title_column, id_column}
            start = rows.line_num + 1
            for row in rows:
                line, start = start, rows.line_num + 1
                if lines.errors:
                    errors, lines.errors = lines.errors, []
                    yield from errors[:1]
                    continue
                if not row:
                    continue
                if len(row) != len(header):
                    yield RecordError(
                        Problem(name, line, None, f"{len(row)} fields; the header has {len(header)}.")
                    )
                    continue
                text = row[index[text_column]].replace("\r\n", "\n").replace("\r", "\n")
                if not text.strip():
                    yield RecordError(Problem(name, line, text_column, "the text is empty."))
                    continue
                title = row[index[title_column]] if title_column else text.strip().split("\n", 1)[0].strip()
                external_id = row[index[id_column]] if id_column else str(line)
                yield DocumentRecord(
                    file=name,
                    line=line,
                    text=text,
                    title=title[:500] if title_column else title[:200],
                    source=file.name[:1000],
                    external_id=external_id[:200],
                    meta={
                        column: row[i]
                        for i, column in enumerate(header)
                        if column not in used and column not in ("", None)
                    },
                )
        except csv.Error as error:
            yield RecordError(Problem(name, rows.line_num, None, f"not valid CSV: {error}."))


read_csv = make_csv_reader()
