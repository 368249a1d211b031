import os

from django.core.management.base import BaseCommand, CommandError

from annotator.models import Project
from annotator.services.seeds import demo_users_ensure


class Command(BaseCommand):
    help = (
        "Create the demo admin and annotator (members of the 'seeds' project) if missing. "
        "Names and passwords come from STANCEMARK_ADMIN_USER/_PASSWORD and "
        "STANCEMARK_ANNOTATOR_USER/_PASSWORD, else demo defaults. Existing passwords are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", default="seeds", help="Project the demo users join.")
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Set the passwords even if the users already exist.",
        )

    def handle(self, *args, **options):
        if not Project.objects.filter(slug=options["project"]).exists():
            raise CommandError(f"No project '{options['project']}'; run load_seeds first.")
        users = demo_users_ensure(
            admin=(
                os.environ.get("STANCEMARK_ADMIN_USER", "admin"),
                os.environ.get("STANCEMARK_ADMIN_PASSWORD", "stancemark-admin"),
            ),
            annotator=(
                os.environ.get("STANCEMARK_ANNOTATOR_USER", "annotator"),
                os.environ.get("STANCEMARK_ANNOTATOR_PASSWORD", "stancemark-annotator"),
            ),
            project_slug=options["project"],
            reset_passwords=options["reset_passwords"],
        )
        for user in users:
            password = user.password if user.password is not None else "(unchanged)"
            self.stdout.write(f"  {user.role:<10} user: {user.username:<12} password: {password}")
