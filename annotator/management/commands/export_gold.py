import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotator.exporters import EXPORTERS
from annotator.models import Project
from corpus.models import Document


class Command(BaseCommand):
    help = (
        "Export a project's gold, one record per document. Until curation exists, a document's "
        "gold is its submitted annotation when exactly one annotator submitted it."
    )

    def add_arguments(self, parser):
        parser.add_argument("project", help="Project slug.")
        parser.add_argument("--format", required=True, choices=sorted(EXPORTERS))
        parser.add_argument("--out", required=True, type=Path, help="Output file ('-' for stdout).")
        parser.add_argument(
            "--all-annotators",
            action="store_true",
            help="Also include every annotator's submitted work per document.",
        )

    def handle(self, *args, **options):
        project = Project.objects.select_related("corpus", "scheme").filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project '{options['project']}'.")
        write = EXPORTERS[options["format"]]
        out: Path = options["out"]
        total = Document.objects.filter(corpus_id=project.corpus_id).count()
        to_stdout = str(out) == "-"
        if not to_stdout and not out.parent.exists():
            raise CommandError(f"--out: folder {out.parent} does not exist.")
        partial = out.with_name(out.name + ".partial")
        with tqdm(total=total, desc="Exporting", unit=" docs", disable=None, file=self.stderr) as bar:
            if to_stdout:
                count = write(project, sys.stdout, options["all_annotators"], bar.update)
            else:
                # Write aside and rename, so a failed export never leaves a half-written file.
                with partial.open("w", encoding="utf-8") as stream:
                    count = write(project, stream, options["all_annotators"], bar.update)
                partial.replace(out)
        if not to_stdout:
            self.stdout.write(f"Wrote {count} documents to {out}.")
