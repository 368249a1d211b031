import json
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand

from annotator.management.commands.agreement import table
from annotator.management.projects import project_for_command
from annotator.services.suggestion_report import (
    CONTROL,
    SUGGESTIONS,
    GroupReport,
    QualityRow,
    SuggestionReport,
    suggestion_report,
)

GROUP_NAMES = {SUGGESTIONS: "with suggestions", CONTROL: "control"}


class Command(BaseCommand):
    help = (
        "How good the project's suggestions are: precision, recall and F1 against gold per suggester "
        "and label (exact and overlap match) and the acceptance rate by annotators; and whether they "
        "pull people towards the machine: annotators who see suggestions against control annotators."
    )

    def add_arguments(self, parser):
        parser.add_argument("project", help="Project slug.")
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print JSON with keys project, gold_documents, rows, totals, machine and groups.",
        )

    def handle(self, *args, **options):
        project = project_for_command(options["project"])
        report = suggestion_report(project)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
            return
        self.stdout.write(self.render(report))

    def render(self, report: SuggestionReport) -> str:
        parts = [
            f"Suggestions in project '{report.project}': {report.gold_documents} documents with gold.",
            "",
            "Quality against gold per suggester and label, and acceptance by annotators",
            self.quality(report.rows) if report.rows else "  no suggestions yet",
        ]
        if report.totals:
            parts += ["", "Per suggester, all span labels pooled", self.quality(report.totals)]
        parts += ["", self.bias(report)]
        return "\n".join(parts)

    @staticmethod
    def quality(rows: list[QualityRow]) -> str:
        headers = [
            "suggester",
            "layer",
            "label",
            "suggestions",
            "gold docs",
            "exact P",
            "exact R",
            "exact F1",
            "overlap P",
            "overlap R",
            "overlap F1",
            "decided",
            "accepted",
        ]
        return table(
            headers,
            [
                [
                    row.suggester,
                    row.layer or "(all)",
                    row.label or "(all)",
                    row.suggestions,
                    row.gold_documents,
                    row.exact.precision,
                    row.exact.recall,
                    row.exact.f1,
                    row.overlap.precision,
                    row.overlap.recall,
                    row.overlap.f1,
                    row.decided,
                    row.acceptance_rate,
                ]
                for row in rows
            ],
        )

    @staticmethod
    def bias(report: SuggestionReport) -> str:
        groups = report.groups

        def row(measure: str, value: Callable[[GroupReport], Any]) -> list[Any]:
            return [measure, *(value(group) for group in groups)]

        measures = [
            row("annotators", lambda g: len(g.annotators)),
            row("annotation sets submitted", lambda g: g.annotation_sets),
            row("spans", lambda g: g.spans),
            row("spans matching a suggestion, exact", lambda g: g.spans_matching_suggestions_exact),
            row("spans matching a suggestion, overlap", lambda g: g.spans_matching_suggestions_overlap),
            row("stances equal to the suggested stance", lambda g: g.stances_matching_suggestion),
            row("label mix: distance to the suggestions'", lambda g: g.label_distance_to_suggestions),
            row("stance mix: distance to the suggestions'", lambda g: g.stance_distance_to_suggestions),
            row("agreement within: annotator pairs", lambda g: g.agreement.pairs),
            row("agreement within: span F1, exact", lambda g: g.agreement.span_f1_exact),
            row("agreement within: span F1, overlap", lambda g: g.agreement.span_f1_overlap),
            row("agreement within: stance alpha", lambda g: g.agreement.stance_alpha),
        ]
        lines = [
            "Does the machine bias people? Annotators who see suggestions against controls "
            "(distance: total variation, 0 = the same mix as the suggestions)",
            table(["measure", *(GROUP_NAMES[group.group] for group in groups)], measures),
            "",
            f"Shares of spans per label and of stances: the suggestions on the {report.machine.documents} "
            "documents with submitted work, and each group's",
        ]
        if report.shares:
            lines.append(
                table(
                    ["layer", "label", "suggestions", *GROUP_NAMES.values()],
                    [
                        [share.layer, share.label, share.suggestions, share.with_suggestions, share.control]
                        for share in report.shares
                    ],
                )
            )
        else:
            lines.append("  no spans or stances yet")
        return "\n".join(lines)
