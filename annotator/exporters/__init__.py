"""Exporters: each format is one module with `write(project, target, options) -> ExportReport`.

`Exporter.output` says what `target` is: a text stream, a binary stream or an empty folder;
`default_statuses` which documents go out unless `--status` says otherwise.
"""

from annotator.exporters import aif, brat, conll, csv, dataset, docbin, doccano, jsonl, labelstudio
from annotator.exporters.base import GOLD_ONLY, Exporter, Output

EXPORTERS: dict[str, Exporter] = {
    "jsonl": Exporter(
        jsonl.write, Output.TEXT, ".jsonl", "gold JSONL, one object per document", all_annotators=True
    ),
    "csv": Exporter(csv.write, Output.TEXT, ".csv", "one row per document: stance, confidence, counts"),
    "spacy": Exporter(docbin.write, Output.BYTES, ".spacy", "spaCy DocBin", default_statuses=GOLD_ONLY),
    "conll": Exporter(
        conll.write, Output.TEXT, ".conll", "BIO columns per span layer", default_statuses=GOLD_ONLY
    ),
    "brat": Exporter(brat.write, Output.BYTES, ".zip", "brat standoff (.txt + .ann) in a zip"),
    "doccano": Exporter(doccano.write, Output.TEXT, ".jsonl", "doccano JSONL (spans and relations)"),
    "labelstudio": Exporter(
        labelstudio.write, Output.TEXT, ".json", "Label Studio JSON tasks", all_annotators=True
    ),
    "aif": Exporter(aif.write, Output.BYTES, ".zip", "AIF argument graphs, one JSON per document, in a zip"),
    "dataset": Exporter(
        dataset.write, Output.DIRECTORY, "", "Hugging Face dataset folder", default_statuses=GOLD_ONLY
    ),
}
