"""What readers produce: plain records of documents and the annotations that came with them."""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as the format allows."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class RecordError(ValueError):
    """A record that cannot be imported."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class SpanRecord:
    ref: Any  # the id the file uses for this span, for relations and rationale to point at
    start: int
    end: int
    layer: str | None
    label: str
    attributes: dict = field(default_factory=dict)
    step: int | None = None
    score: float | None = None
    line: int | None = None  # where the span is written, when not on the document's own line (brat, ptc)
    name: str | None = None  # how problems name it instead of `spans[i]` (a brat id)


@dataclass
class RelationRecord:
    head: Any
    tail: Any
    label: str
    layer: str | None = None
    line: int | None = None
    name: str | None = None


@dataclass
class DocumentLabelRecord:
    layer: str
    label: str
    confidence: int | None = None
    rationale: list = field(default_factory=list)
    line: int | None = None
    name: str | None = None


@dataclass
class DocumentRecord:
    file: str
    line: int | None
    text: str
    title: str = ""
    source: str = ""
    kind: str = "other"
    external_id: str = ""
    meta: dict = field(default_factory=dict)
    spans: list[SpanRecord] = field(default_factory=list)
    relations: list[RelationRecord] = field(default_factory=list)
    document_labels: list[DocumentLabelRecord] = field(default_factory=list)

    @property
    def has_annotations(self) -> bool:
        return bool(self.spans or self.relations or self.document_labels)

    def problem(self, field_name: str | None, message: str, line: int | None = None) -> RecordError:
        """A RecordError at this record's line, or at `line` of its file (an annotation's own line)."""
        return RecordError(Problem(self.file, line if line is not None else self.line, field_name, message))
