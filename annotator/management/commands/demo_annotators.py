from django.core.management.base import BaseCommand, CommandError

from annotator.models import Project
from annotator.services.demo import PASSWORD, demo_annotators_run


class Command(BaseCommand):
    help = (
        "Create demo annotators demo-annotator-1..N (password 'stancemark-demo') in a project and submit "
        "simulated, slightly disagreeing work on every document, so agreement and curation have data. "
        "Running it again adds nothing: documents a demo annotator already worked on are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", default="seeds", help="Project slug (default: seeds).")
        parser.add_argument("--count", type=int, default=3, help="How many demo annotators (default: 3).")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the simulated disagreement.")

    def handle(self, *args, **options):
        if not 1 <= options["count"] <= 50:
            raise CommandError("--count must be from 1 to 50.")
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project '{options['project']}'; run load_seeds first.")
        report = demo_annotators_run(project=project, count=options["count"], seed=options["seed"])
        for username, password in report.users.items():
            self.stdout.write(
                f"  {username:<18} password: {password or '(unchanged)':<16} "
                f"submitted {report.submitted[username]}, skipped {report.skipped[username]} (done before)"
            )
        if any(report.users.values()):
            self.stdout.write(f"New demo annotators log in with the password '{PASSWORD}'.")
