"""What the project commands share: the project named on the command line, or a clear error."""

from django.core.management.base import CommandError

from annotator.models import Project


def project_for_command(slug: str) -> Project:
    """The project with this slug (corpus and scheme loaded), or a CommandError listing the projects."""
    project = Project.objects.select_related("corpus", "scheme").filter(slug=slug).first()
    if project is None:
        known = ", ".join(Project.objects.values_list("slug", flat=True)) or "none"
        raise CommandError(f"No project '{slug}' (projects: {known}).")
    return project
