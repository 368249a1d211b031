from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotator.services.schemes import SchemeError, scheme_load_file
from annotator.services.seeds import SEEDS_DIR

PRESETS_DIR = SEEDS_DIR / "schemes"


class Command(BaseCommand):
    help = (
        "Load a label scheme from a data file, or a preset from seeds/schemes by name "
        "(stancemark-default, semeval2020-task11, semeval2023-task3). Layers and labels the "
        "scheme lacks are added; admins' edits are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("scheme", help="A scheme file (JSON), or the name of a preset.")

    def handle(self, *args, **options):
        path = Path(options["scheme"])
        preset = PRESETS_DIR / f"{options['scheme']}.json"
        if not path.exists() and preset.is_file():
            path = preset
        if not path.is_file():
            presets = ", ".join(sorted(p.stem for p in PRESETS_DIR.glob("*.json")))
            raise CommandError(f"{path}: no such file, nor a preset ({presets}).")
        try:
            scheme, changed = scheme_load_file(path)
        except SchemeError as error:
            raise CommandError(str(error)) from error
        layers = scheme.layers.count()
        labels = sum(layer.labels.count() for layer in scheme.layers.all())
        self.stdout.write(
            f"Scheme '{scheme.slug}' v{scheme.version}: {'created or extended' if changed else 'unchanged'}; "
            f"{layers} layers, {labels} labels."
        )
