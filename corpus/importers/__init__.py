"""Readers turn a file or folder into DocumentRecords, yielding a RecordError for each bad record."""

from collections.abc import Callable, Iterator
from pathlib import Path

from corpus.importers.jsonl import read_jsonl
from corpus.importers.records import DocumentRecord, RecordError
from corpus.importers.txt import read_txt

Reader = Callable[[Path], Iterator[DocumentRecord | RecordError]]

READERS: dict[str, Reader] = {
    "txt": read_txt,
    "jsonl": read_jsonl,
}
