from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotator.management.projects import project_for_command
from corpus.models import Document


class Command(BaseCommand):
    help = (
        "Pre-annotate a project with the rule-based suggesters (argument, attribution, rhetoric, stance). "
        "Documents already done with the same suggester version are skipped; a failure on one "
        "document is reported and the others go on."
    )

    def add_arguments(self, parser):
        parser.add_argument("project", help="Project slug.")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Run as a background task (settings.TASKS) and print its id instead of running here.",
        )
        parser.add_argument(
            "--batch-size", type=int, default=32, help="Documents per nlp.pipe batch (default 32)."
        )

    def handle(self, *args, **options):
        project = project_for_command(options["project"])
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        if options["enqueue"]:
            from annotator.tasks import suggest_project

            result = suggest_project.enqueue(project.pk)
            self.stdout.write(f"Enqueued suggestions for '{project.slug}': task {result.id}")
            return

        from annotator.services.suggestions import suggestions_make

        total = Document.objects.filter(corpus_id=project.corpus_id).count()
        with tqdm(total=total, desc="Suggesting", unit=" docs", disable=None, file=self.stderr) as bar:
            report = suggestions_make(
                project=project, batch_size=options["batch_size"], on_progress=bar.update
            )
        self._print(report)

    def _print(self, report):
        self.stdout.write(
            f"Pipeline {report.pipeline}: {report.documents_processed} of {report.documents_total} documents "
            f"processed, {report.documents_already_done} already done."
        )
        header = ("suggester", "layer", "documents", "spans", "relations", "labels", "skipped")
        rows = [
            (suggester, layer, *(str(n) for n in (r.documents, r.spans, r.relations, r.labels, r.skipped)))
            for (suggester, layer), r in sorted(report.rows.items())
        ]
        if rows:
            widths = [max(len(line[i]) for line in (header, *rows)) for i in range(len(header))]
            for line in (header, *rows):
                cells = [
                    cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]) for i, cell in enumerate(line)
                ]
                self.stdout.write("  ".join(cells).rstrip())
        for failure in report.failures:
            self.stderr.write(
                f"Failed: {failure.suggester} on document {failure.document_id}: {failure.error}"
            )
        if report.failures:
            self.stderr.write(
                f"{len(report.failures)} failure(s) recorded; run the command again to retry them."
            )
