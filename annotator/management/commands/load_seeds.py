from django.core.management.base import BaseCommand, CommandError

from annotator.services.schemes import SchemeError
from annotator.services.seeds import seeds_load


class Command(BaseCommand):
    help = (
        "Load the seed corpus, the default label scheme, the scheme presets and the demo project "
        "'seeds' (idempotent)."
    )

    def handle(self, *args, **options):
        try:
            report = seeds_load()
        except SchemeError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Seed corpus: {report.documents_created} documents added, "
            f"{report.documents_existing} already present. "
            f"Schemes: {'created or extended' if report.scheme_changed else 'unchanged'}. "
            f"Project 'seeds': {'created' if report.project_created else 'already present'}."
        )
