from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotator.management.projects import project_for_command
from annotator.services.backup import project_digest, project_dump


class Command(BaseCommand):
    help = (
        "Write a project (corpus, scheme, members, annotation sets, suggestions, gold and its history) "
        "as JSON Lines that restore_project reads into another database."
    )

    def add_arguments(self, parser):
        parser.add_argument("project", help="Project slug.")
        parser.add_argument("--out", required=True, type=Path, help="Output file (.jsonl).")

    def handle(self, *args, **options):
        project = project_for_command(options["project"])
        out: Path = options["out"]
        if not out.parent.exists():
            raise CommandError(f"--out: folder {out.parent} does not exist.")
        # Write aside and rename, so a failed dump never leaves a half-written file.
        partial = out.with_name(out.name + ".partial")
        with partial.open("w", encoding="utf-8") as fp:
            counts = project_dump(project=project, out=fp)
        partial.replace(out)
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        self.stdout.write(f"Wrote project '{project.slug}' to {out}: {summary}.")
        self.stdout.write(f"digest {project_digest(project)}")
