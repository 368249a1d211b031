"""Background tasks (Django's tasks framework; the backend is configured in settings.TASKS)."""

from django.tasks import task


@task()
def suggest_project(project_id: int) -> dict:
    """Pre-annotate every document of a project with the rule-based suggesters."""
    from annotator.models import Project
    from annotator.services.suggestions import suggestions_make

    project = Project.objects.select_related("corpus", "scheme").get(pk=project_id)
    return suggestions_make(project=project).as_dict()
