"""Background tasks (Django's tasks framework; the backend is configured in settings.TASKS)."""

from django.tasks import task


@task()
def suggest_project(project_id: int) -> dict:
    """Pre-annotate every document of a project with the rule-based suggesters."""
    from annotator.models import Project
    from annotator.services.suggestions import suggestions_make

    project = Project.objects.select_related("corpus", "scheme").get(pk=project_id)
    return suggestions_make(project=project).as_dict()


@task()
def train_project(project_id: int, kind: str, epochs: int | None = None) -> list[dict]:
    """Train a learned suggester ("textcat", "spancat" or "all") on the project's gold.

    Progress, scores and failures are stored on each TrainedModel as it goes.
    """
    from annotator.models import Project
    from annotator.services.training import model_train, trained_model_summary, training_kinds

    project = Project.objects.select_related("corpus", "scheme").get(pk=project_id)
    return [
        trained_model_summary(model_train(project=project, kind=name, epochs=epochs))
        for name in training_kinds(kind)
    ]


@task()
def import_upload(project_id: int, user_id: int, token: str, options: dict) -> dict:
    """Import a large upload (stored by annotator.services.uploads) into the project's corpus."""
    from django.contrib.auth import get_user_model

    from annotator.models import Project
    from annotator.services.uploads import ImportOptions, upload_delete, upload_get, upload_import

    project = Project.objects.select_related("corpus", "scheme").get(pk=project_id)
    user = get_user_model().objects.get(pk=user_id)
    upload = upload_get(token=token, project=project, user=user)
    result = upload_import(project=project, upload=upload, options=ImportOptions(**options))
    if not result["unknown_labels"]:
        upload_delete(upload)
    return result
