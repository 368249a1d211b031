"""Pre-annotation of a whole project as a background job, and how far it has got."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError
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


def suggestion_chunks_enqueue(project: Project) -> dict:
    """Enqueue one task per chunk of the project's documents; return their ids and the finished reports."""
    from annotator.tasks import suggest_documents

    size = settings.STANCEMARK_SUGGEST_CHUNK_SIZE
    ids = list(
        Document.objects.filter(corpus_id=project.corpus_id).order_by("id").values_list("id", flat=True)
    )
    results = [suggest_documents.enqueue(project.pk, ids[i : i + size]) for i in range(0, len(ids), size)]
    finished = [r.return_value for r in results if str(r.status) == "SUCCESSFUL"]
    return {
        **suggestion_reports_merge(finished),
        "documents_total": len(ids),
        "chunks": [r.id for r in results],
        "chunks_finished": len(finished),
    }


def suggestion_chunk_run(project: Project, document_ids: list[int]) -> dict:
    """Pre-annotate these documents of the project; return the report as a dict.

    A chunk may run twice (a worker killed and the job run again): done runs are skipped, and a
    run's output is written in one transaction with its SuggestionRun, unique per suggester
    version. So if two copies store the same document at once, one fails on that constraint with
    nothing kept, and runs again to skip what the other stored.
    """
    from annotator.services.suggestions import suggestions_make

    documents = Document.objects.filter(corpus_id=project.corpus_id, pk__in=document_ids).only("id")
    try:
        return suggestions_make(project=project, documents=documents).as_dict()
    except IntegrityError:
        return suggestions_make(project=project, documents=documents).as_dict()


def suggestion_reports_merge(reports: Iterable[dict]) -> dict:
    """Add up the reports (`SuggestReport.as_dict()`) of several chunks."""
    merged: dict = {
        "pipeline": "",
        "documents_total": 0,
        "documents_processed": 0,
        "documents_already_done": 0,
        "rows": [],
        "failures": [],
    }
    rows: dict[tuple[str, str], dict] = {}
    for report in reports:
        merged["pipeline"] = merged["pipeline"] or report["pipeline"]
        for key in ("documents_total", "documents_processed", "documents_already_done"):
            merged[key] += report[key]
        for row in report["rows"]:
            into = rows.setdefault((row["suggester"], row["layer"]), dict.fromkeys(row, 0))
            into.update({k: v if k in ("suggester", "layer") else into[k] + v for k, v in row.items()})
        merged["failures"] += report["failures"]
    merged["rows"] = [rows[key] for key in sorted(rows)]
    return merged


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
        result = suggest_project.get_result(task_id)
        status = str(result.status)
        if status != "SUCCESSFUL":
            return status
        # The job itself only enqueued its chunks: it is over when they are.
        return _chunks_status((result.return_value or {}).get("chunks", []))
    except Exception:  # noqa: BLE001 - backends without results, or an id they do not know
        return "unknown"


def _chunks_status(chunk_ids: list[str]) -> str:
    from annotator.tasks import suggest_documents

    statuses = {str(suggest_documents.get_result(chunk).status) for chunk in chunk_ids}
    if "FAILED" in statuses:
        return "FAILED"
    return "SUCCESSFUL" if statuses <= {"SUCCESSFUL"} else "RUNNING"
