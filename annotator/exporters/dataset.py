"""A Hugging Face dataset folder: `train.jsonl`, `dev.jsonl`, `test.jsonl` and a `README.md` card.

`datasets.load_dataset("json", data_dir=FOLDER)` loads it (`dev` becomes the `validation`
split). A document goes to a split by its content hash, `int(hash[:8], 16) % 10`: 0–7 train,
8 dev, 9 test, so the same text lands in the same split in every export. Rows have one fixed
shape without nulls (a missing stance is "", a missing confidence or step is 0; relations and
rationale point at spans by their index in `spans`). The card gives label counts per split,
the project's agreement figures, the annotators, the scheme and its version, the date and the
SHA-256 of each file.
"""

import hashlib
import json
from collections import Counter
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

from annotator.exporters.base import ExportOptions, ExportReport, gold_records
from annotator.models import Project

SPLITS = ("train", "dev", "test")
FEATURES = """\
  features:
  - {name: id, dtype: int64}
  - {name: external_id, dtype: string}
  - {name: content_hash, dtype: string}
  - {name: title, dtype: string}
  - {name: text, dtype: string}
  - {name: status, dtype: string}
  - {name: annotators, sequence: string}
  - {name: stance, dtype: string}
  - {name: stance_confidence, dtype: int64}
  - {name: rationale, sequence: int64}
  - name: spans
    list:
    - {name: start, dtype: int64}
    - {name: end, dtype: int64}
    - {name: text, dtype: string}
    - {name: layer, dtype: string}
    - {name: label, dtype: string}
    - {name: step, dtype: int64}
  - name: relations
    list:
    - {name: head, dtype: int64}
    - {name: tail, dtype: int64}
    - {name: layer, dtype: string}
    - {name: label, dtype: string}
"""


def split_of(content_hash: str) -> str:
    """The split of a document, decided by its content hash alone."""
    bucket = int(content_hash[:8], 16) % 10
    return "train" if bucket < 8 else "dev" if bucket == 8 else "test"


def dataset_row(record: dict[str, Any]) -> dict[str, Any]:
    """One gold record as a row with a fixed shape."""
    spans = record["spans"]
    index = {span["id"]: i for i, span in enumerate(spans)}
    stance = record["stance"]
    return {
        "id": record["id"],
        "external_id": record["meta"]["external_id"],
        "content_hash": record["meta"]["content_hash"],
        "title": record["title"],
        "text": record["text"],
        "status": record["status"],
        "annotators": record["annotators"],
        "stance": stance["label"] if stance else "",
        "stance_confidence": (stance["confidence"] or 0) if stance else 0,
        "rationale": [index[ref] for ref in stance["rationale"] if ref in index] if stance else [],
        "spans": [
            {
                "start": s["start"],
                "end": s["end"],
                "text": s["text"],
                "layer": s["layer"],
                "label": s["label"],
                "step": s["step"] or 0,
            }
            for s in spans
        ],
        "relations": [
            {"head": index[r["head"]], "tail": index[r["tail"]], "layer": r["layer"], "label": r["label"]}
            for r in record["relations"]
        ],
    }


def write(
    project: Project, folder: Path, options: ExportOptions | None = None, today: date | None = None
) -> ExportReport:
    """Write the three splits and the dataset card into `folder` (which exists and is empty)."""
    report = ExportReport()
    counts: dict[str, Counter[str]] = {split: Counter() for split in SPLITS}
    annotators: set[str] = set()
    with ExitStack() as stack:
        files = {
            split: stack.enter_context((folder / f"{split}.jsonl").open("w", encoding="utf-8", newline=""))
            for split in SPLITS
        }
        for record in gold_records(project, options or ExportOptions()):
            row = dataset_row(record)
            split = split_of(row["content_hash"])
            files[split].write(json.dumps(row, ensure_ascii=False) + "\n")
            tally = counts[split]
            tally["documents"] += 1
            tally[f"stance\t{row['stance'] or '(none)'}"] += 1
            tally.update(f"span\t{s['layer']}:{s['label']}" for s in row["spans"])
            tally.update(f"relation\t{r['layer']}:{r['label']}" for r in row["relations"])
            annotators.update(record["annotators"])
            report.documents += 1
    for split in SPLITS:
        if not counts[split]["documents"]:
            report.problems.append(f"split {split} is empty ({split}.jsonl has no rows).")
    checksums = {f"{split}.jsonl": sha256_of(folder / f"{split}.jsonl") for split in SPLITS}
    from annotator.services.agreement_report import project_agreement

    card = dataset_card(
        project, counts, sorted(annotators), project_agreement(project), checksums, today or date.today()
    )
    (folder / "README.md").write_text(card, encoding="utf-8", newline="")
    return report


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _figure(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_figure(cell) for cell in row) + " |" for row in rows]
    return lines


def _count_rows(counts: dict[str, Counter[str]], kind: str) -> list[list[Any]]:
    keys = sorted({key for tally in counts.values() for key in tally if key.startswith(kind + "\t")})
    return [
        [
            key.split("\t", 1)[1],
            *(counts[split][key] for split in SPLITS),
            sum(c[key] for c in counts.values()),
        ]
        for key in keys
    ]


def dataset_card(
    project: Project,
    counts: dict[str, Counter[str]],
    annotators: list[str],
    agreement: dict[str, Any],
    checksums: dict[str, str],
    today: date,
) -> str:
    """The README.md of the dataset folder: YAML front matter for the Hub, then the card."""
    scheme = project.scheme
    split_headers = ["", *SPLITS, "total"]
    lines = [
        "---",
        f"pretty_name: {json.dumps(project.name or project.slug, ensure_ascii=False)}",
        "configs:",
        "- config_name: default",
        "  data_files:",
        "  - {split: train, path: train.jsonl}",
        "  - {split: validation, path: dev.jsonl}",
        "  - {split: test, path: test.jsonl}",
        "dataset_info:",
        FEATURES.rstrip("\n"),
        "---",
        "",
        f"# {project.name or project.slug}: gold annotations",
        "",
        f"Exported from the Stancemark project `{project.slug}` (corpus `{project.corpus.slug}`) on "
        f"{today.isoformat()}, with the label scheme `{scheme.slug}` version {scheme.version}.",
        "",
        "```python",
        "from datasets import load_dataset",
        'dataset = load_dataset("json", data_dir="path/to/this/folder")  # train, validation (dev), test',
        "```",
        "",
        "## Splits",
        "",
        "A document's split comes from its SHA-256 content hash: `int(content_hash[:8], 16) % 10` is",
        "0–7 for train, 8 for dev and 9 for test, so a text keeps its split across exports.",
        "",
        *_table(
            ["split", "documents", "file", "SHA-256"],
            [
                [split, counts[split]["documents"], f"{split}.jsonl", checksums[f"{split}.jsonl"]]
                for split in SPLITS
            ],
        ),
        "",
        "## Fields",
        "",
        "`id`, `external_id`, `content_hash`, `title`, `text`, `status` (`gold`, `needs-curation`,",
        '`unannotated`), `annotators`, `stance` ("" if none), `stance_confidence` (1–5, 0 if none),',
        "`rationale` (indexes into `spans`), `spans` (`start`, `end` in code points, end-exclusive, so",
        "`text[start:end] == span.text`; `layer`, `label`, `step`, 0 if none) and `relations`",
        "(`head` and `tail` are indexes into `spans`; `layer`, `label`).",
        "",
        "## Label counts",
        "",
        "### Stance",
        "",
        *_table(["stance", *split_headers[1:]], _count_rows(counts, "stance")),
        "",
        "### Spans",
        "",
        *_table(["layer:label", *split_headers[1:]], _count_rows(counts, "span")),
        "",
        "### Relations",
        "",
        *_table(["layer:label", *split_headers[1:]], _count_rows(counts, "relation")),
        "",
        *_agreement_section(agreement),
        "## Annotators",
        "",
        f"{len(annotators)} annotator{'s' if len(annotators) != 1 else ''}"
        + (": " + ", ".join(f"`{name}`" for name in annotators) if annotators else "")
        + ".",
        "",
        "## Checksums (SHA-256)",
        "",
        "```",
        *(f"{digest}  {name}" for name, digest in checksums.items()),
        "```",
    ]
    return "\n".join(lines) + "\n"


def _agreement_section(report: dict[str, Any]) -> list[str]:
    stance = report["stance"]
    fleiss = stance["fleiss_kappa"]
    lines = [
        "## Agreement",
        "",
        f"Over the project's {report['n_documents']} documents with submitted work "
        "(`python manage.py agreement PROJECT` gives the full report).",
        "",
        "### Stance",
        "",
        *_table(
            ["measure", "value"],
            [
                ["annotators", stance["n_annotators"]],
                ["documents", stance["n_documents"]],
                ["Krippendorff's alpha, nominal", stance["alpha_nominal"]],
                ["Krippendorff's alpha, ordinal", stance["alpha_ordinal"]],
                ["Fleiss' kappa", fleiss["value"]],
            ],
        ),
        "",
        "### Spans (pairwise F1, averaged over annotator pairs)",
        "",
        *_table(
            ["layer", "F1 exact", "F1 overlap", "alpha_u"],
            [
                [layer, figures["exact"]["f1"], figures["overlap"]["f1"], figures["alpha_u"]["value"]]
                for layer, figures in report["spans"].items()
            ],
        ),
        "",
        "### Relations",
        "",
        *_table(
            ["match", "F1"],
            [[match, report["relations"][match]["f1"]] for match in ("exact", "overlap")],
        ),
        "",
    ]
    return lines
