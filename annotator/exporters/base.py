"""What every exporter shares: options, the report, the kind of output, and the filtered gold records.

Every format reads the same plain records (`records.gold_record`, the gold JSONL shape), so a
format module only turns dictionaries into its own layout.
"""

import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from annotator.exporters.records import STANCE_LAYER, annotation_sets_records, gold_record, gold_status
from annotator.models import Layer, Project
from annotator.selectors import project_document_rows, project_scheme

STATUSES = ("gold", "needs-curation", "unannotated")
ALL_STATUSES = frozenset(STATUSES)
GOLD_ONLY = frozenset({"gold"})
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class Output(StrEnum):
    """What an exporter's `write(project, target, options)` writes to."""

    TEXT = "text"  # an open text stream (UTF-8, newline="")
    BYTES = "bytes"  # an open binary stream
    DIRECTORY = "directory"  # an empty folder (pathlib.Path)


@dataclass(frozen=True)
class ExportOptions:
    """Which documents and annotations go out. Empty `layers`/`labels` mean all of them."""

    all_annotators: bool = False
    statuses: frozenset[str] = ALL_STATUSES
    layers: frozenset[str] = frozenset()
    labels: frozenset[tuple[str, str]] = frozenset()  # (layer key, label value)
    on_progress: Callable[[int], None] | None = None


@dataclass
class ExportReport:
    """How many documents were written, and everything that could not be written as it is."""

    documents: int = 0
    problems: list[str] = field(default_factory=list)

    def problem(self, record: dict[str, Any], message: str) -> None:
        self.problems.append(f"document {record['id']}: {message}")


@dataclass(frozen=True)
class Exporter:
    write: Callable[..., ExportReport]
    output: Output
    suffix: str  # the usual file name ending ("" for a folder)
    description: str
    default_statuses: frozenset[str] = ALL_STATUSES
    all_annotators: bool = False  # whether the format can carry every annotator's set


@dataclass(frozen=True)
class SchemeLayers:
    """The project's layers and how to name a label in formats without a layer field."""

    layers: list[Layer]
    ambiguous: frozenset[tuple[str, str]]  # (kind, value) found in more than one layer of that kind

    @classmethod
    def of(cls, project: Project) -> "SchemeLayers":
        layers = project_scheme(project)
        seen: dict[tuple[str, str], int] = {}
        for layer in layers:
            for label in layer.labels.all():
                seen[(layer.kind, label.value)] = seen.get((layer.kind, label.value), 0) + 1
        return cls(layers, frozenset(key for key, n in seen.items() if n > 1))

    def of_kind(self, kind: str) -> list[Layer]:
        return [layer for layer in self.layers if layer.kind == kind]

    def values(self, layer: Layer) -> list[str]:
        return [label.value for label in layer.labels.all()]

    @property
    def stance(self) -> Layer | None:
        documents = self.of_kind(Layer.Kind.DOCUMENT)
        return next((layer for layer in documents if layer.key == STANCE_LAYER), None)

    def label_name(self, kind: str, layer: str, value: str) -> str:
        """The bare value when it names one label of its kind, else `layer:value` (as importers read)."""
        return f"{layer}:{value}" if (kind, value) in self.ambiguous else value


def resolve_labels(scheme: SchemeLayers, names: Iterable[str]) -> frozenset[tuple[str, str]]:
    """Turn `layer:label` or bare `label` names into (layer, label) pairs; raise ValueError if unknown."""
    known = {(layer.key, value) for layer in scheme.layers for value in scheme.values(layer)}
    pairs: set[tuple[str, str]] = set()
    for name in names:
        layer, sep, value = name.partition(":")
        found = {(layer, value)} & known if sep else {pair for pair in known if pair[1] == name}
        if not found:
            raise ValueError(f"'{name}' is not a label of the project's scheme.")
        pairs |= found
    return frozenset(pairs)


def _keeps(options: ExportOptions, layer: str, label: str) -> bool:
    if options.layers and layer not in options.layers:
        return False
    listed = {value for key, value in options.labels if key == layer}
    return not listed or label in listed


def filter_annotations(annotations: dict[str, Any], options: ExportOptions) -> dict[str, Any]:
    """Keep the spans, relations and document labels the options select; drop what points at others."""
    if not options.layers and not options.labels:
        return annotations
    spans = [s for s in annotations["spans"] if _keeps(options, s["layer"], s["label"])]
    kept = {s["id"] for s in spans}
    relations = [
        r
        for r in annotations["relations"]
        if _keeps(options, r["layer"], r["label"]) and r["head"] in kept and r["tail"] in kept
    ]
    document_labels = {
        key: {**row, "rationale": [ref for ref in row["rationale"] if ref in kept]}
        for key, row in annotations["document_labels"].items()
        if _keeps(options, key, row["label"])
    }
    return {
        **annotations,
        "spans": spans,
        "relations": relations,
        "document_labels": document_labels,
        "stance": document_labels.get(STANCE_LAYER),
    }


def gold_records(project: Project, options: ExportOptions) -> Iterator[dict[str, Any]]:
    """Yield the gold record of each selected document, in document order, filtered by the options.

    Documents and annotations are read as plain rows a chunk at a time, so memory stays flat.
    """
    for chunk in project_document_rows(project):
        kept = [item for item in chunk if gold_status(item) in options.statuses]
        texts: dict[int, str] = {}
        for item in kept:
            sets = list(item.submitted) if options.all_annotators else []
            if item.gold is not None:
                sets.append(item.gold)
            texts.update((s.id, item.document["text"]) for s in sets)
        content = annotation_sets_records(texts)
        for item in chunk:
            if options.on_progress:
                options.on_progress(1)
            if gold_status(item) not in options.statuses:
                continue
            record = filter_annotations(gold_record(item, content, project, options.all_annotators), options)
            if "annotations" in record:
                record["annotations"] = [filter_annotations(a, options) for a in record["annotations"]]
            yield record


def zip_write(archive: zipfile.ZipFile, name: str, content: str) -> None:
    """Add a UTF-8 file to a zip with a fixed date, so the same export gives the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, content.encode("utf-8"))


def file_stem(record: dict[str, Any], taken: set[str]) -> str:
    """A file name for the document: its external id when that is a safe, unused name, else its id."""
    external = record["meta"]["external_id"]
    stem = external if SAFE_NAME.match(external) else f"document-{record['id']}"
    n = 1
    while stem.lower() in taken:  # file names may compare without case (zip on Windows, macOS)
        stem, n = f"document-{record['id']}" + (f"-{n}" if n > 1 else ""), n + 1
    taken.add(stem.lower())
    return stem
