"""brat standoff: a zip of `<name>.txt` + `<name>.ann` per document and an `annotation.conf`.

`<name>` is the document's external id when it is a safe file name, else `document-<id>`. The
`.txt` is the text exactly (CRLF kept), so brat's code-point offsets are ours. In the `.ann`:

- `T1<TAB>label start end<TAB>text`: a span; line breaks and tabs in the text become spaces;
- `A1<TAB>step T1 3`: the span's step; `#1<TAB>AnnotatorNotes T1<TAB>…`: its `note` attribute;
- `R1<TAB>label Arg1:T1 Arg2:T2`: a relation from head to tail;
- `#2<TAB>stance<TAB>pro-engagement confidence=4 rationale=T1,T3`: a document label (brat has none
  of its own; brat passes the line through, `import_corpus --format brat` reads it back).

Labels are bare values unless a value names labels in two layers of the same kind (`layer:label`).
"""

import zipfile
from typing import IO, Any

from annotator.exporters.base import (
    ExportOptions,
    ExportReport,
    SchemeLayers,
    file_stem,
    gold_records,
    zip_write,
)
from annotator.models import Layer, Project

_BREAKS = str.maketrans({"\r": " ", "\n": " ", "\t": " "})


def write(project: Project, stream: IO[bytes], options: ExportOptions | None = None) -> ExportReport:
    """Write the zip: the text and standoff annotations of every selected document, then the config."""
    options = options or ExportOptions()
    scheme = SchemeLayers.of(project)
    report = ExportReport()
    taken: set[str] = set()
    steps: set[int] = set()
    with zipfile.ZipFile(stream, "w") as archive:
        for record in gold_records(project, options):
            stem = file_stem(record, taken)
            zip_write(archive, f"{stem}.txt", record["text"])
            zip_write(archive, f"{stem}.ann", ann(record, scheme))
            steps |= {s["step"] for s in record["spans"] if s["step"] is not None}
            report.documents += 1
        zip_write(archive, "annotation.conf", annotation_conf(project, scheme, steps))
    return report


def ann(record: dict[str, Any], scheme: SchemeLayers) -> str:
    """The `.ann` file of one document."""
    lines = []
    brat_ids: dict[Any, str] = {}
    notes = 0
    for n, span in enumerate(record["spans"], start=1):
        brat_id = brat_ids[span["id"]] = f"T{n}"
        label = scheme.label_name(Layer.Kind.SPAN, span["layer"], span["label"])
        text = record["text"][span["start"] : span["end"]].translate(_BREAKS)
        lines.append(f"{brat_id}\t{label} {span['start']} {span['end']}\t{text}")
    attributes = 0
    for span in record["spans"]:
        if span["step"] is not None:
            attributes += 1
            lines.append(f"A{attributes}\tstep {brat_ids[span['id']]} {span['step']}")
        note = span["attributes"].get("note")
        if isinstance(note, str) and note.strip():
            notes += 1
            lines.append(f"#{notes}\tAnnotatorNotes {brat_ids[span['id']]}\t{note.translate(_BREAKS)}")
    for n, relation in enumerate(record["relations"], start=1):
        label = scheme.label_name(Layer.Kind.RELATION, relation["layer"], relation["label"])
        lines.append(f"R{n}\t{label} Arg1:{brat_ids[relation['head']]} Arg2:{brat_ids[relation['tail']]}")
    for key, row in record["document_labels"].items():
        notes += 1
        value = row["label"]
        if row["confidence"] is not None:
            value += f" confidence={row['confidence']}"
        rationale = [brat_ids[ref] for ref in row["rationale"] if ref in brat_ids]
        if rationale:
            value += f" rationale={','.join(rationale)}"
        lines.append(f"#{notes}\t{key}\t{value}")
    return "".join(line + "\n" for line in lines)


def annotation_conf(project: Project, scheme: SchemeLayers, steps: set[int]) -> str:
    """A brat configuration listing the scheme's span and relation labels, so brat opens the files."""

    def names(kind: str) -> list[str]:
        found = []
        for layer in scheme.of_kind(kind):
            for value in scheme.values(layer):
                name = scheme.label_name(kind, layer.key, value)
                if name not in found:
                    found.append(name)
        return found

    lines = [f"# Stancemark project {project.slug}, scheme {project.scheme.slug}@{project.scheme.version}"]
    lines += ["[entities]", *names(Layer.Kind.SPAN)]
    lines += [
        "[relations]",
        *(f"{name}\tArg1:<ENTITY>, Arg2:<ENTITY>" for name in names(Layer.Kind.RELATION)),
    ]
    lines += ["[events]", "[attributes]"]
    if steps:
        lines.append(f"step\tArg:<ENTITY>, Value:{'|'.join(str(step) for step in sorted(steps))}")
    return "".join(line + "\n" for line in lines)
