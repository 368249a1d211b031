"""Readers turn a file or folder into DocumentRecords, yielding a RecordError for each bad record."""

from collections.abc import Callable, Iterator
from pathlib import Path

from corpus.importers.brat import read_brat
from corpus.importers.csv import read_csv
from corpus.importers.doccano import read_doccano
from corpus.importers.jsonl import read_jsonl
from corpus.importers.labelstudio import read_labelstudio
from corpus.importers.ptc import read_ptc
from corpus.importers.records import DocumentRecord, RecordError
from corpus.importers.txt import read_txt

Reader = Callable[[Path], Iterator[DocumentRecord | RecordError]]

READERS: dict[str, Reader] = {
    "txt": read_txt,
    "jsonl": read_jsonl,
    "csv": read_csv,
    "doccano": read_doccano,
    "labelstudio": read_labelstudio,
    "brat": read_brat,
    "ptc": read_ptc,
}
