"""CoNLL/BIO: one token a line, a BIO column per span layer, a blank line after each sentence.

The first line names the columns: `# columns = token start end <span layer>…`; `start` and `end`
are the token's code-point offsets in the text. Each document starts with comment lines
`# document = <id>`, `# external_id = …`, `# content_hash = …` and `# <document layer> = <label>`.
Texts are tokenised and split into sentences by a blank English pipeline with a sentencizer;
whitespace tokens are left out, and two sentences are written as one where a span crosses from
one into the other. BIO cannot hold spans that overlap within a layer: of two such
spans the one that starts first (the longer one on a tie) is kept and the other is reported and
left out of that column. Spans are widened to whole tokens like in the spaCy export (reported).
Relations are not written.
"""

from typing import IO, Any

from annotator.exporters.base import ExportOptions, ExportReport, SchemeLayers, gold_records
from annotator.models import Layer, Project
from annotator.spans import token_span

OUTSIDE = "O"


def write(project: Project, stream: IO[str], options: ExportOptions | None = None) -> ExportReport:
    """Write the column header, then every selected document's sentences."""
    import spacy

    options = options or ExportOptions()
    scheme = SchemeLayers.of(project)
    chosen = [layer for layer in scheme.layers if not options.layers or layer.key in options.layers]
    span_layers = [layer.key for layer in chosen if layer.kind == Layer.Kind.SPAN]
    document_layers = [layer.key for layer in chosen if layer.kind == Layer.Kind.DOCUMENT]
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    stream.write("# columns = " + " ".join(["token", "start", "end", *span_layers]) + "\n")
    report = ExportReport()
    for record in gold_records(project, options):
        doc = nlp(record["text"])
        tags = {key: [OUTSIDE] * len(doc) for key in span_layers}
        kept = [pair for key in span_layers for pair in _tag_layer(doc, record, key, tags[key], report)]
        stream.write(f"\n# document = {record['id']}\n")
        stream.write(f"# external_id = {_one_line(record['meta']['external_id'])}".rstrip() + "\n")
        stream.write(f"# content_hash = {record['meta']['content_hash']}\n")
        for key in document_layers:
            row = record["document_labels"].get(key)
            stream.write(f"# {key} = {row['label'] if row else ''}".rstrip() + "\n")
        for first, last in _sentences(doc, kept):
            lines = [
                "\t".join(
                    [token.text, str(token.idx), str(token.idx + len(token.text))]
                    + [tags[key][token.i] for key in span_layers]
                )
                for token in doc[first:last]
                if not token.is_space
            ]
            if lines:
                stream.write("\n".join(lines) + "\n\n")
        report.documents += 1
    return report


def _sentences(doc: Any, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Token ranges of the sentences, joined where a span would cross from one into the next."""
    starts = [
        sentence.start
        for sentence in doc.sents
        if sentence.start and not any(first < sentence.start < last for first, last in spans)
    ]
    bounds = [0, *starts, len(doc)]
    return list(zip(bounds, bounds[1:], strict=False))


def _tag_layer(
    doc: Any, record: dict[str, Any], layer: str, tags: list[str], report: ExportReport
) -> list[tuple[int, int]]:
    """Fill one layer's BIO column and return the kept spans' token ranges.

    Spans that cannot be aligned or that overlap a kept one are reported and left out.
    """
    spans = sorted(
        (s for s in record["spans"] if s["layer"] == layer),
        key=lambda s: (s["start"], -s["end"], s["id"]),
    )
    kept: list[tuple[int, int, dict[str, Any]]] = []
    for span in spans:
        where = f"span {span['id']} {layer}:{span['label']} [{span['start']}, {span['end']})"
        aligned = token_span(doc, span["start"], span["end"])
        if aligned is None:
            report.problem(record, f"{where} covers no token; left out.")
            continue
        clash = next(
            (other for first, last, other in kept if aligned.start < last and first < aligned.end), None
        )
        if clash is not None:
            report.problem(
                record,
                f"{where} overlaps span {clash['id']} {layer}:{clash['label']} "
                f"[{clash['start']}, {clash['end']}); left out of the BIO column.",
            )
            continue
        if (aligned.start_char, aligned.end_char) != (span["start"], span["end"]):
            report.problem(
                record, f"{where} widened to whole tokens [{aligned.start_char}, {aligned.end_char})."
            )
        kept.append((aligned.start, aligned.end, span))
        tokens = [token.i for token in aligned if not token.is_space]
        for n, i in enumerate(tokens):
            tags[i] = f"{'B' if n == 0 else 'I'}-{span['label']}"
    return [(first, last) for first, last, _ in kept]


def _one_line(value: str) -> str:
    return " ".join(value.split())
