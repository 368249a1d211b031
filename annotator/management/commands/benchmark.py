from django.core.management.base import BaseCommand, CommandError

BENCHMARKS = {
    "workspace": "annotator.benchmarks.workspace",
    "suggest": "annotator.benchmarks.suggest",
    "import": "annotator.benchmarks.imports",
    "export": "annotator.benchmarks.exports",
    "load": "annotator.benchmarks.load",
    "agreement": "annotator.benchmarks.agreement",
}


class Command(BaseCommand):
    help = "Measure Stancemark and print a table of figures against their targets and baselines."

    def add_arguments(self, parser):
        parser.add_argument(
            "names", nargs="*", metavar="NAME", help=f"Any of: {', '.join(BENCHMARKS)} (default: all)."
        )

    def handle(self, *args, **options):
        from importlib import import_module

        names = options["names"] or list(BENCHMARKS)
        unknown = [name for name in names if name not in BENCHMARKS]
        if unknown:
            raise CommandError(
                f"Unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}."
            )
        for name in names:
            self.stdout.write(f"\n== benchmark {name}")
            rows = import_module(BENCHMARKS[name]).run()
            width = max(len(row.what) for row in rows)
            self.stdout.write(f"{'measure':<{width}}  {'value':>10}  {'unit':<5} {'target':<8} result")
            for row in rows:
                verdict = "" if row.ok is None else ("ok" if row.ok else "MISSED")
                self.stdout.write(
                    f"{row.what:<{width}}  {row.value:>10.1f}  {row.unit:<5} {row.target:<8} {verdict}"
                )
