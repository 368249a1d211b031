import json
import textwrap
from collections.abc import Sequence
from typing import Any

from django.core.management.base import BaseCommand

from annotator.management.projects import project_for_command
from annotator.services.agreement_report import ALPHA_U_METHOD, STEP_METHOD, project_agreement


def number(value: Any, digits: int = 3) -> str:
    """A figure for a table: floats rounded, undefined values as '-'."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], indent: str = "  ") -> str:
    """Plain-text table: columns padded to their widest cell, numbers right-aligned."""
    cells = [list(headers)] + [[number(cell) for cell in row] for row in rows]
    numeric = [
        all(isinstance(row[i], int | float) or row[i] is None for row in rows) and bool(rows)
        for i in range(len(headers))
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(headers))]
    lines = []
    for line in cells:
        padded = [
            cell.rjust(width) if is_number else cell.ljust(width)
            for cell, width, is_number in zip(line, widths, numeric, strict=True)
        ]
        lines.append(indent + "  ".join(padded).rstrip())
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Inter-annotator agreement of a project's submitted annotation sets: stance (Cohen's and "
        "Fleiss' kappa, Krippendorff's alpha nominal and ordinal, confusion matrix), spans (pairwise F1 "
        "with exact and overlap matching per layer and label, unitized alpha) and relations (F1, step order)."
    )

    def add_arguments(self, parser):
        parser.add_argument("project", help="Project slug.")
        parser.add_argument(
            "--json", action="store_true", help="Print JSON with keys stance, spans and relations."
        )

    def handle(self, *args, **options):
        project = project_for_command(options["project"])
        report = project_agreement(project)
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
            return
        self.stdout.write(self.render(report))

    def render(self, report: dict[str, Any]) -> str:
        parts = [
            f"Agreement in project '{report['project']}': "
            f"{report['n_documents']} documents with submitted work."
        ]
        parts += ["", self.render_stance(report["stance"])]
        parts += ["", self.render_spans(report["spans"])]
        parts += ["", self.render_relations(report["relations"])]
        return "\n".join(parts)

    def render_stance(self, stance: dict[str, Any]) -> str:
        fleiss = stance["fleiss_kappa"]
        lines = [
            f"Stance (layer {stance['layer']}): {stance['n_documents']} documents, "
            f"{stance['n_annotators']} annotators",
            table(
                ["measure", "value", "note"],
                [
                    ["Krippendorff's alpha, nominal", stance["alpha_nominal"], ""],
                    [
                        "Krippendorff's alpha, ordinal",
                        stance["alpha_ordinal"],
                        " < ".join(stance["ordinal_order"]) + "; other values left out",
                    ],
                    [
                        "Fleiss' kappa",
                        fleiss["value"],
                        f"{fleiss['n_documents']} documents with {fleiss['ratings_per_document']} ratings"
                        if fleiss["ratings_per_document"]
                        else "no document rated twice",
                    ],
                    ["Rationale spans, exact F1", stance["rationale"]["exact"]["f1"], ""],
                    ["Rationale spans, overlap F1", stance["rationale"]["overlap"]["f1"], ""],
                ],
            ),
        ]
        if stance["pairs"]:
            lines += [
                "",
                "Cohen's kappa per pair of annotators",
                table(
                    ["annotator a", "annotator b", "documents", "kappa"],
                    [[p["a"], p["b"], p["n_documents"], p["cohen_kappa"]] for p in stance["pairs"]],
                ),
            ]
        confusion = stance["confusion"]
        if confusion["matrix"] is not None:
            lines += [
                "",
                f"Confusion matrix: rows {confusion['a']}, columns {confusion['b']}",
                table(
                    ["", *confusion["labels"]],
                    [
                        [label, *row]
                        for label, row in zip(confusion["labels"], confusion["matrix"], strict=True)
                    ],
                ),
            ]
        return "\n".join(lines)

    def render_spans(self, spans: dict[str, Any]) -> str:
        rows = []
        label_rows = []
        for layer, figures in spans.items():
            exact, overlap = figures["exact"], figures["overlap"]
            rows.append(
                [
                    layer,
                    max(exact["pairs"], overlap["pairs"]),
                    exact["precision"],
                    exact["recall"],
                    exact["f1"],
                    overlap["precision"],
                    overlap["recall"],
                    overlap["f1"],
                    figures["alpha_u"]["value"],
                    figures["alpha_u"]["n_documents"],
                ]
            )
            for label, by_label in figures["per_label"].items():
                label_rows.append(
                    [
                        layer,
                        label,
                        by_label["overlap"]["pairs"],
                        by_label["exact"]["f1"],
                        by_label["overlap"]["f1"],
                    ]
                )
        lines = [
            "Spans: F1 averaged over annotator pairs; alpha_u " + ALPHA_U_METHOD,
            table(
                [
                    "layer",
                    "pairs",
                    "exact P",
                    "exact R",
                    "exact F1",
                    "overlap P",
                    "overlap R",
                    "overlap F1",
                    "alpha_u",
                    "documents",
                ],
                rows,
            ),
        ]
        if label_rows:
            lines += [
                "",
                "Spans per label",
                table(["layer", "label", "pairs", "exact F1", "overlap F1"], label_rows),
            ]
        return "\n".join(lines)

    def render_relations(self, relations: dict[str, Any]) -> str:
        rows = [
            [
                match,
                relations[match]["pairs"],
                relations[match]["precision"],
                relations[match]["recall"],
                relations[match]["f1"],
            ]
            for match in ("exact", "overlap")
        ]
        lines = [
            "Relations: F1 averaged over annotator pairs",
            table(["match", "pairs", "P", "R", "F1"], rows),
        ]
        if relations["per_label"]:
            lines += [
                "",
                "Relations per label",
                table(
                    ["label", "pairs", "exact F1", "overlap F1"],
                    [
                        [label, figures["overlap"]["pairs"], figures["exact"]["f1"], figures["overlap"]["f1"]]
                        for label, figures in relations["per_label"].items()
                    ],
                ),
            ]
        steps = relations["step_order"]
        lines += [
            "",
            "Argument step order",
            table(
                ["measure", "value", "comparisons"],
                [
                    [f"Kendall's tau-b, {match}", steps[match]["kendall_tau"], steps[match]["n_comparisons"]]
                    for match in ("exact", "overlap")
                ],
            ),
            textwrap.fill(STEP_METHOD + ".", width=100, initial_indent="  ", subsequent_indent="  "),
        ]
        return "\n".join(lines)
