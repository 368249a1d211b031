"""Pre-annotation of a whole project as a background job, and how far it has got."""

from dataclasses import dataclass

from django.db.models import Count, Q

from annotator.models import Project, SuggestionRun
from annotator.suggesters import default_suggesters
from corpus.models import Document


@dataclass(frozen=True)
class SuggestionProgress:
    documents_total: int
    documents_done: int  # every rule suggester has run on it (done or failed) at its current version
    documents_failed: int
    status: str  # the task's status as the tasks backend reports it, or "unknown"

    @property
    def finished(self) -> bool:
        return self.status in {"SUCCESSFUL", "FAILED"} or (
            self.status == "unknown" and self.documents_done >= self.documents_total
        )

    def as_dict(self) -> dict:
        return {
            "documents_total": self.documents_total,
            "documents_done": self.documents_done,
            "documents_failed": self.documents_failed,
            "status": self.status,
            "finished": self.finished,
        }


def suggestion_job_start(project: Project) -> str:
    """Enqueue pre-annotation of every document of the project; return the task id."""
    from annotator.tasks import suggest_project

    return suggest_project.enqueue(project.pk).id


def suggestion_progress(project: Project, task_id: str | None = None) -> SuggestionProgress:
    """Documents of the project the current rule suggesters have been through."""
    # The rules' versions are enough to follow a run; learned models come after them in it.
    versions = Q()
    rules = default_suggesters()
    for suggester in rules:
        # A run's version also names the pipeline it parsed with: "<suggester version>/<pipeline>".
        versions |= Q(suggester=suggester.name, suggester_version=suggester.version) | Q(
            suggester=suggester.name, suggester_version__startswith=f"{suggester.version}/"
        )
    per_document = (
        SuggestionRun.objects.filter(versions, project=project)
        .values("document_id")
        .annotate(runs=Count("id"), failed=Count("id", filter=Q(status=SuggestionRun.Status.FAILED)))
    )
    done = failed = 0
    for row in per_document:
        if row["runs"] >= len(rules):
            done += 1
        if row["failed"]:
            failed += 1
    return SuggestionProgress(
        documents_total=Document.objects.filter(corpus_id=project.corpus_id).count(),
        documents_done=done,
        documents_failed=failed,
        status=_task_status(task_id),
    )


def _task_status(task_id: str | None) -> str:
    if not task_id:
        return "unknown"
    from annotator.tasks import suggest_project

    try:
        return str(suggest_project.get_result(task_id).status)
    except Exception:  # noqa: BLE001 - backends without results, or an id they do not know
        return "unknown"
