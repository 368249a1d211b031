from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotator.services.backup import project_digest, project_restore
from annotator.services.schemes import SchemeError


class Command(BaseCommand):
    help = (
        "Create a project from a dump_project file; users it names that are missing here are created "
        "without a password (set one with changepassword). All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="A file written by dump_project.")

    def handle(self, *args, **options):
        path: Path = options["file"]
        try:
            with path.open(encoding="utf-8") as fp:
                project, counts = project_restore(lines=fp)
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}.") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{path}: not UTF-8 (byte {error.start}).") from error
        except ValidationError as error:
            messages = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            raise CommandError(f"{path}: {messages}") from error
        except (SchemeError, KeyError, TypeError, ValueError) as error:
            raise CommandError(f"{path}: not a valid project dump ({error!r}).") from error
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        self.stdout.write(f"Restored project '{project.slug}' from {path}: {summary}.")
        self.stdout.write(f"digest {project_digest(project)}")
