"""Background tasks (Django's tasks framework; the backend is configured in settings.TASKS)."""

from django.tasks import task


@task()
def suggest_project(project_id: int) -> dict:
    """Pre-annotate every document of a project: enqueue one `suggest_documents` task per chunk.

    Returns the chunks' task ids and the sum of the reports of the chunks that have finished already
    (all of them with a backend that runs tasks at once).
    """
    from annotator.models import Project
    from annotator.services.suggestion_jobs import suggestion_chunks_enqueue

    project = Project.objects.select_related("corpus", "scheme").get(pk=project_id)
    return suggestion_chunks_enqueue(project)


@task()
def suggest_documents(project_id: int, document_ids: list[int]) -> dict:
    """Pre-annotate some documents of a project (one chunk); running it twice stores nothing twice."""
    from annotator.models import Project
    from annotator.services.suggestion_jobs import suggestion_chunk_run

    project = Project.objects.select_related("corpus", "scheme").get(pk=project_id)
    return suggestion_chunk_run(project, document_ids)


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


@task()
def export_project(project_id: int, fmt: str) -> dict:
    """Export a project's gold into its export folder (large projects, from the export page)."""
    from annotator.models import Project
    from annotator.services.exports import export_write

    project = Project.objects.select_related("corpus", "scheme").get(pk=project_id)
    written, report = export_write(project, fmt)
    return {"file": written.name, "documents": report.documents, "problems": report.problems}
