import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotator.models import LabelScheme
from annotator.services.schemes import scheme_as_data


class Command(BaseCommand):
    help = "Write a label scheme as a data file, in the shape load_scheme and load_seeds read."

    def add_arguments(self, parser):
        parser.add_argument("scheme", help="Scheme slug.")
        parser.add_argument("--out", required=True, type=Path, help="Output file ('-' for stdout).")

    def handle(self, *args, **options):
        scheme = LabelScheme.objects.filter(slug=options["scheme"]).first()
        if scheme is None:
            known = ", ".join(LabelScheme.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"No scheme '{options['scheme']}' (schemes: {known}).")
        data = scheme_as_data(scheme)
        content = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        out: Path = options["out"]
        if str(out) == "-":
            sys.stdout.write(content)
            return
        if not out.parent.exists():
            raise CommandError(f"--out: folder {out.parent} does not exist.")
        # Write aside and rename, so a failed export never leaves a half-written file.
        partial = out.with_name(out.name + ".partial")
        partial.write_text(content, encoding="utf-8")
        partial.replace(out)
        labels = sum(len(layer["labels"]) for layer in data["layers"])
        self.stdout.write(
            f"Wrote scheme '{scheme.slug}' v{scheme.version} ({len(data['layers'])} layers, "
            f"{labels} labels) to {out}."
        )
