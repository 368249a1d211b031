import tempfile
import zipfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from corpus.importers import READERS
from corpus.importers.archive import unzip_to
from corpus.importers.csv import make_csv_reader
from corpus.importers.records import RecordError
from corpus.models import Corpus
from corpus.services import ImportFailed, LabelsUnknown, corpus_get_or_create, corpus_import


class Command(BaseCommand):
    help = (
        "Import documents (and any annotations they carry) into a corpus, all or nothing. "
        "A text already in the corpus is not duplicated; its annotations attach to it."
    )

    def add_arguments(self, parser):
        parser.add_argument("corpus", help="Corpus slug; created if it does not exist.")
        parser.add_argument("path", type=Path, help="A file or a folder.")
        parser.add_argument("--format", required=True, choices=sorted(READERS))
        parser.add_argument("--project", help="Project (slug) that the annotations in the file belong to.")
        whose = parser.add_mutually_exclusive_group()
        whose.add_argument(
            "--as-annotator", metavar="USERNAME", help="Import annotations as this user's (submitted) work."
        )
        whose.add_argument(
            "--as-suggestions",
            action="store_true",
            help="Import spans as suggestions for annotators to accept or reject.",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace the annotator's existing work on a document with the file's (otherwise refused).",
        )
        parser.add_argument(
            "--skip-bad", action="store_true", help="Skip bad records (each is reported) instead of aborting."
        )
        labels = parser.add_mutually_exclusive_group()
        labels.add_argument(
            "--label-map",
            type=Path,
            metavar="FILE",
            help='JSON {"source label": "layer:label"} for labels the project\'s scheme lacks.',
        )
        labels.add_argument(
            "--add-labels",
            action="store_true",
            help="Add labels the scheme lacks, under the layer the file names or --layer.",
        )
        parser.add_argument("--layer", help="With --add-labels: the layer for labels the file gives none.")
        csv = parser.add_argument_group("csv")
        csv.add_argument("--text-column", default="text", help="Column holding the text (default: text).")
        csv.add_argument("--title-column", help="Column holding the title (default: the text's first line).")
        csv.add_argument("--id-column", help="Column holding the external id (default: the row's line).")

    def handle(self, *args, **options):
        from annotator.models import Project

        project = None
        if options["project"]:
            project = Project.objects.select_related("corpus").filter(slug=options["project"]).first()
            if project is None:
                raise CommandError(f"--project: no project '{options['project']}'.")
        annotator = None
        if options["as_annotator"]:
            annotator = get_user_model().objects.filter(username=options["as_annotator"]).first()
            if annotator is None:
                raise CommandError(f"--as-annotator: no user '{options['as_annotator']}'.")
        if (annotator or options["as_suggestions"]) and project is None:
            raise CommandError("--as-annotator and --as-suggestions need --project.")
        if (options["label_map"] or options["add_labels"] or options["replace"]) and project is None:
            raise CommandError("--label-map, --add-labels and --replace need --project.")
        label_map = None
        if options["label_map"]:
            from annotator.services.label_mapping import label_map_load

            try:
                label_map = label_map_load(options["label_map"], project.scheme)
            except RecordError as error:
                raise CommandError(f"--label-map: {error}") from error
        reader = None
        if options["format"] == "csv":
            reader = make_csv_reader(options["text_column"], options["title_column"], options["id_column"])
        existing = Corpus.objects.filter(slug=options["corpus"]).first()
        if project is not None and existing is None:
            raise CommandError(f"No corpus '{options['corpus']}' for project '{project.slug}'.")
        path: Path = options["path"]
        if not path.exists():
            raise CommandError(f"{path}: no such file or folder.")
        if not zipfile.is_zipfile(path):
            return self._import(path, options, project, annotator, existing, label_map, reader)
        # A zip is unpacked into a temporary folder; problems name its members as zip/member.
        with tempfile.TemporaryDirectory(prefix="stancemark-import-") as folder:
            unpacked = unzip_to(path, Path(folder) / path.name)
            try:
                return self._import(unpacked, options, project, annotator, existing, label_map, reader)
            except CommandError as error:
                raise CommandError(str(error).replace(str(unpacked), str(path))) from error

    def _import(self, path, options, project, annotator, existing, label_map, reader) -> None:
        corpus = existing or corpus_get_or_create(slug=options["corpus"])
        with tqdm(desc="Importing", unit=" records", disable=None, file=self.stderr) as bar:
            try:
                report = corpus_import(
                    corpus=corpus,
                    path=path,
                    format=options["format"],
                    project=project,
                    annotator=annotator,
                    as_suggestions=options["as_suggestions"],
                    skip_bad=options["skip_bad"],
                    label_map=label_map,
                    add_labels=options["add_labels"],
                    layer=options["layer"],
                    replace=options["replace"],
                    reader=reader,
                    on_progress=bar.update,
                )
            except ImportFailed as error:
                if existing is None:
                    corpus.delete()
                if isinstance(error, LabelsUnknown):
                    raise CommandError(self._unknown(error)) from error
                raise CommandError(
                    f"Nothing was imported; {len(error.problems)} problem(s):\n{error}"
                ) from error
        self.stdout.write(report.summary())
        if report.labels_added:
            self.stdout.write(f"Added {len(report.labels_added)} label(s): {', '.join(report.labels_added)}")
        if report.skipped:
            self.stdout.write(f"Skipped {len(report.skipped)} record(s):")
            for problem in report.skipped:
                self.stdout.write(f"  {problem}".replace(str(path), str(options["path"])))

    def _unknown(self, error: LabelsUnknown) -> str:
        lines = [f"Nothing was imported; {len(error.unknown)} label(s) are not in the project's scheme:"]
        width = max(len(item["label"]) for item in error.unknown)
        for item in error.unknown:
            lines.append(
                f"  {item['label']:<{width}}  {item['kind']:<8} {item['count']:>7}×  first: {item['first']}"
            )
        lines.append(
            "Map them with --label-map FILE (JSON: label → layer:label) or add them with --add-labels."
        )
        others = len(error.problems) - len(error.unknown)
        if others:
            lines.append(f"Other problems ({others}):")
            lines.extend(f"  {p}" for p in error.problems[:others][:20])
        return "\n".join(lines)
