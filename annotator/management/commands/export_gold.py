import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotator.exporters import EXPORTERS
from annotator.exporters.base import (
    STATUSES,
    Exporter,
    ExportOptions,
    ExportReport,
    Output,
    SchemeLayers,
    resolve_labels,
)
from annotator.exporters.files import write_aside
from annotator.management.projects import project_for_command
from annotator.models import Project
from corpus.models import Document


class Command(BaseCommand):
    help = (
        "Export a project's gold, one record per document. Until curation exists, a document's "
        "gold is its submitted annotation when exactly one annotator submitted it."
    )

    def add_arguments(self, parser):
        parser.add_argument("project", help="Project slug.")
        parser.add_argument(
            "--format",
            required=True,
            choices=sorted(EXPORTERS),
            help="; ".join(f"{name}: {e.description}" for name, e in EXPORTERS.items()) + ".",
        )
        parser.add_argument(
            "--out",
            required=True,
            type=Path,
            help="Output file ('-' for stdout); for --format dataset a new (or empty) folder.",
        )
        parser.add_argument(
            "--all-annotators",
            action="store_true",
            help="Also include every annotator's submitted work per document (jsonl, labelstudio).",
        )
        parser.add_argument(
            "--status",
            action="append",
            choices=STATUSES,
            help="Only documents with this status (repeatable). Default: all; gold only for spacy, "
            "conll and dataset.",
        )
        parser.add_argument(
            "--layer", action="append", default=[], help="Only this layer (key; repeatable). Default: all."
        )
        parser.add_argument(
            "--label",
            action="append",
            default=[],
            help="Only this label in its layer ('layer:label' or a bare label; repeatable); "
            "layers with no label named keep all theirs.",
        )

    def handle(self, *args, **options):
        project = project_for_command(options["project"])
        exporter = EXPORTERS[options["format"]]
        if options["all_annotators"] and not exporter.all_annotators:
            raise CommandError(f"--all-annotators: --format {options['format']} carries only the gold.")
        scheme = SchemeLayers.of(project)
        keys = {layer.key for layer in scheme.layers}
        for key in options["layer"]:
            if key not in keys:
                raise CommandError(f"--layer: '{key}' is not one of {', '.join(sorted(keys))}.")
        try:
            labels = resolve_labels(scheme, options["label"])
        except ValueError as error:
            raise CommandError(f"--label: {error}") from error
        out: Path = options["out"]
        to_stdout = str(out) == "-"
        if to_stdout and exporter.output == Output.DIRECTORY:
            raise CommandError(f"--out: --format {options['format']} writes a folder, not to stdout.")
        if not to_stdout and not out.parent.exists():
            raise CommandError(f"--out: folder {out.parent} does not exist.")
        if exporter.output == Output.DIRECTORY and out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise CommandError(f"--out: {out} already exists and is not an empty folder.")
        if exporter.output != Output.DIRECTORY and out.is_dir():
            raise CommandError(f"--out: {out} is a folder; give a file name.")
        total = Document.objects.filter(corpus_id=project.corpus_id).count()
        with tqdm(total=total, desc="Exporting", unit=" docs", disable=None, file=self.stderr) as bar:
            export_options = ExportOptions(
                all_annotators=options["all_annotators"],
                statuses=frozenset(options["status"] or exporter.default_statuses),
                layers=frozenset(options["layer"]),
                labels=labels,
                on_progress=bar.update,
            )
            if to_stdout:
                report = self.write_stdout(exporter, project, export_options)
            else:
                report = write_aside(exporter, project, out, export_options)
        # With the export on stdout, the report goes to stderr so that it does not mix with the data.
        printer = self.stderr if to_stdout else self.stdout
        printer.write(f"Wrote {report.documents} documents to {'stdout' if to_stdout else out}.")
        if report.problems:
            printer.write(f"{len(report.problems)} problem(s):")
            for problem in report.problems:
                printer.write(f"  {problem}")

    def write_stdout(self, exporter: Exporter, project: Project, options: ExportOptions) -> ExportReport:
        if exporter.output == Output.TEXT:
            return exporter.write(project, sys.stdout, options)
        sys.stdout.flush()
        report = exporter.write(project, sys.stdout.buffer, options)
        sys.stdout.buffer.flush()
        return report
