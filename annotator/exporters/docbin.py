"""spaCy DocBin (`.spacy`): spans in `doc.spans[layer]`, the stance one-hot in `doc.cats`.

Each text is tokenised by a blank English pipeline. A span that does not start and end on token
boundaries is widened to whole tokens (reported); one that covers no token at all is left out
(reported). `doc.cats` has one entry per stance label of the scheme, 1.0 for the document's
stance and 0.0 for the others. `doc.user_data["stancemark"]` keeps the document id, external id,
content hash and the relations as character offsets of their ends.
"""

from typing import IO, Any

from annotator.exporters.base import ExportOptions, ExportReport, SchemeLayers, gold_records
from annotator.models import Layer, Project
from annotator.spans import token_span


def write(project: Project, stream: IO[bytes], options: ExportOptions | None = None) -> ExportReport:
    """Write one DocBin holding a Doc per selected document."""
    import spacy
    from spacy.tokens import DocBin, Span

    options = options or ExportOptions()
    scheme = SchemeLayers.of(project)
    stance = scheme.stance
    if stance is not None and options.layers and stance.key not in options.layers:
        stance = None
    stance_values = scheme.values(stance) if stance else []
    span_layers = [
        layer.key
        for layer in scheme.of_kind(Layer.Kind.SPAN)
        if not options.layers or layer.key in options.layers
    ]
    nlp = spacy.blank("en")
    docs = DocBin(store_user_data=True)
    report = ExportReport()
    for record in gold_records(project, options):
        doc = nlp.make_doc(record["text"])
        groups: dict[str, list[Any]] = {key: [] for key in span_layers}
        by_id = {}
        for span in record["spans"]:
            aligned = token_span(doc, span["start"], span["end"])
            where = f"span {span['id']} {span['layer']}:{span['label']} [{span['start']}, {span['end']})"
            if aligned is None:
                report.problem(record, f"{where} covers no token; left out.")
                continue
            if (aligned.start_char, aligned.end_char) != (span["start"], span["end"]):
                report.problem(
                    record, f"{where} widened to whole tokens [{aligned.start_char}, {aligned.end_char})."
                )
            groups.setdefault(span["layer"], []).append(
                Span(doc, aligned.start, aligned.end, label=span["label"])
            )
            by_id[span["id"]] = span
        for key, spans in groups.items():
            doc.spans[key] = spans
        if stance_values:
            chosen = record["stance"]["label"] if record["stance"] else None
            doc.cats = {value: float(value == chosen) for value in stance_values}
            if chosen is None and record["status"] == "gold":
                report.problem(record, "no stance; its cats are all 0.0.")
        doc.user_data["stancemark"] = {
            "id": record["id"],
            "external_id": record["meta"]["external_id"],
            "content_hash": record["meta"]["content_hash"],
            "relations": [
                {
                    "head": _ends(by_id[r["head"]]),
                    "tail": _ends(by_id[r["tail"]]),
                    "layer": r["layer"],
                    "label": r["label"],
                }
                for r in record["relations"]
                if r["head"] in by_id and r["tail"] in by_id
            ],
        }
        docs.add(doc)
        report.documents += 1
    stream.write(docs.to_bytes())
    return report


def _ends(span: dict[str, Any]) -> list[Any]:
    return [span["start"], span["end"], span["layer"], span["label"]]
