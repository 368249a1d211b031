from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from corpus.importers import READERS
from corpus.models import Corpus
from corpus.services import ImportFailed, corpus_get_or_create, corpus_import


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
            "--skip-bad", action="store_true", help="Skip bad records (each is reported) instead of aborting."
        )

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
        existing = Corpus.objects.filter(slug=options["corpus"]).first()
        if project is not None and existing is None:
            raise CommandError(f"No corpus '{options['corpus']}' for project '{project.slug}'.")
        path: Path = options["path"]
        if not path.exists():
            raise CommandError(f"{path}: no such file or folder.")
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
                    on_progress=bar.update,
                )
            except ImportFailed as error:
                if existing is None:
                    corpus.delete()
                raise CommandError(
                    f"Nothing was imported; {len(error.problems)} problem(s):\n{error}"
                ) from error
        self.stdout.write(
            f"{report.documents_created} documents created, {report.documents_existing} already "
            f"present; {report.annotation_sets} annotation sets, {report.spans} spans, "
            f"{report.relations} relations, {report.document_labels} document labels, "
            f"{report.suggestions} suggestions."
        )
        if report.skipped:
            self.stdout.write(f"Skipped {len(report.skipped)} record(s):")
            for problem in report.skipped:
                self.stdout.write(f"  {problem}")
