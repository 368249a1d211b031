"""Labels an import brings that the project's scheme lacks: list them, map them, or add them.

An import first resolves every label in the file against the scheme. A label it cannot find is
*unknown*; unknown labels stop the import before anything is kept, and are listed with counts.
The user then either maps them (`label_map_load`: JSON of source label → `layer:label`) or adds
them to the scheme (`LabelAdder`: under the layer the file names, or a default layer).
"""

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db.models import Max
from django.utils.text import slugify

from annotator.models import Label, LabelScheme, Layer
from corpus.importers.records import Problem, RecordError

# New labels take the first of these colours that the scheme does not use yet.
PALETTE = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
]  # fmt: skip


@dataclass(frozen=True)
class SourceLabel:
    """A label as the file writes it: its kind (span, relation, document), optional layer and value."""

    kind: str
    layer: str | None
    value: str

    def __str__(self) -> str:
        return f"{self.layer}:{self.value}" if self.layer else self.value


@dataclass
class UnknownLabels:
    """Unknown labels with how often each occurs and where it first does."""

    counts: Counter = field(default_factory=Counter)
    first: dict[SourceLabel, Problem] = field(default_factory=dict)

    def add(self, source: SourceLabel, problem: Problem) -> None:
        self.counts[source] += 1
        self.first.setdefault(source, problem)

    def __bool__(self) -> bool:
        return bool(self.counts)

    def as_list(self) -> list[dict]:
        return [
            {
                "label": str(source),
                "kind": source.kind,
                "layer": source.layer,
                "value": source.value,
                "count": count,
                "first": str(self.first[source]),
                "problem": self.first[source],
            }
            for source, count in sorted(self.counts.items(), key=lambda item: (-item[1], str(item[0])))
        ]


class UnknownLabel(RecordError):
    """A record uses labels the scheme does not have (and no mapping or adding was asked for)."""

    def __init__(self, problem: Problem, sources: list[SourceLabel]) -> None:
        super().__init__(problem)
        self.sources = sources


def label_map_parse(data: Any, scheme: LabelScheme, source: str) -> dict[str, Label]:
    """Turn {source label: "layer:label"} into {source label: Label}; raise naming `source` and the key."""
    if not isinstance(data, dict):
        raise RecordError(
            Problem(source, None, None, 'a label map is a JSON object {"source": "layer:label"}.')
        )
    labels = {
        f"{label.layer.key}:{label.value}": label
        for label in Label.objects.select_related("layer").filter(layer__scheme=scheme)
    }
    mapping: dict[str, Label] = {}
    for key, target in data.items():
        if not isinstance(target, str) or target.count(":") != 1:
            raise RecordError(
                Problem(source, None, key, f'the target must be "layer:label", got {target!r}.')
            )
        if target not in labels:
            raise RecordError(
                Problem(source, None, key, f"'{target}' is not a label of scheme '{scheme.slug}'.")
            )
        mapping[key] = labels[target]
    return mapping


def label_map_load(path: Path, scheme: LabelScheme) -> dict[str, Label]:
    """Read a label map file (UTF-8 JSON); problems name the file and the key."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RecordError(Problem(str(path), None, None, f"not a readable JSON file: {error}.")) from error
    return label_map_parse(data, scheme, str(path))


def label_map_lookup(mapping: dict[str, Label], source: SourceLabel) -> Label | None:
    """The mapped label for `layer:value` if the map has it, else for the bare value."""
    if source.layer and str(source) in mapping:
        return mapping[str(source)]
    return mapping.get(source.value)


class LabelAdder:
    """Add unknown labels to a scheme: under the layer the file names, else under `default_layer`."""

    def __init__(self, scheme: LabelScheme, default_layer: str | None = None) -> None:
        self.scheme = scheme
        self.default_layer = default_layer
        self.added: list[Label] = []
        self._used = set(Label.objects.filter(layer__scheme=scheme).values_list("color", flat=True))

    def _colour(self) -> str:
        for colour in PALETTE:
            if colour not in self._used:
                self._used.add(colour)
                return colour
        return PALETTE[len(self.added) % len(PALETTE)]

    def label_add(self, source: SourceLabel) -> Label:
        """Return the label for `source`, adding it (and its layer if new) to the scheme; raise ValueError."""
        key = source.layer or self.default_layer
        if not key:
            raise ValueError(f"'{source}' names no layer; give one (--layer) to add it under.")
        value = slugify(source.value)[:100]
        if not value:
            raise ValueError(f"'{source}' has no letters or digits to make a label value from.")
        layer = Layer.objects.filter(scheme=self.scheme, key=key).first()
        if layer is None:
            order = Layer.objects.filter(scheme=self.scheme).aggregate(m=Max("order"))["m"]
            layer = Layer.objects.create(
                scheme=self.scheme,
                key=slugify(key)[:50] or "imported",
                name=key,
                kind=source.kind,
                order=(order or 0) + 1,
            )
        elif layer.kind != source.kind:
            raise ValueError(
                f"'{source}' is a {source.kind} label but layer '{key}' holds {layer.kind} labels."
            )
        label = Label.objects.filter(layer=layer, value=value).first()
        if label is None:
            order = Label.objects.filter(layer=layer).aggregate(m=Max("order"))["m"]
            label = Label.objects.create(
                layer=layer,
                value=value,
                name=source.value[:200],
                color=self._colour(),
                shortcut="",
                order=(order or 0) + 1,
            )
            self.added.append(label)
        return label
