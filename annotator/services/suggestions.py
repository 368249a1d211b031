"""Pre-annotate a project: parse each document once, run every suggester on the parse, store the proposals.

Documents go through `nlp.pipe` in batches; every suggester reads the same parsed Doc. Each
(document, suggester version) gets a `SuggestionRun`: done runs are skipped when the command runs
again, a failure is recorded with its error and the other documents go on.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction

from annotator.models import (
    Label,
    Layer,
    Project,
    SuggestedDocumentLabel,
    SuggestedRelation,
    Suggestion,
    SuggestionRun,
)
from annotator.suggesters.base import Suggester, SuggesterResult, check_result
from corpus.models import Document

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 32
STANCE_LAYER = "stance"


@dataclass
class SuggestRow:
    """What one suggester produced in one layer during a run."""

    documents: int = 0
    spans: int = 0
    relations: int = 0
    labels: int = 0  # document labels (stance)
    skipped: int = 0


@dataclass
class SuggestFailure:
    document_id: int
    suggester: str
    error: str


@dataclass
class SuggestReport:
    pipeline: str = ""
    documents_total: int = 0
    documents_processed: int = 0
    documents_already_done: int = 0
    rows: dict[tuple[str, str], SuggestRow] = field(default_factory=dict)
    failures: list[SuggestFailure] = field(default_factory=list)

    def row(self, suggester: str, layer: str) -> SuggestRow:
        return self.rows.setdefault((suggester, layer), SuggestRow())

    def as_dict(self) -> dict:
        return {
            "pipeline": self.pipeline,
            "documents_total": self.documents_total,
            "documents_processed": self.documents_processed,
            "documents_already_done": self.documents_already_done,
            "rows": [
                {"suggester": s, "layer": layer, **vars(row)} for (s, layer), row in sorted(self.rows.items())
            ],
            "failures": [vars(f) for f in self.failures],
        }


class _SchemeLabels:
    """The project's scheme labels by (layer key, value), and relation labels by value."""

    def __init__(self, project: Project) -> None:
        labels = Label.objects.filter(layer__scheme_id=project.scheme_id).select_related("layer")
        self.span: dict[tuple[str, str], Label] = {}
        self.relation: dict[str, Label] = {}
        self.document: dict[tuple[str, str], Label] = {}
        for label in labels:
            kind = label.layer.kind
            if kind == Layer.Kind.SPAN:
                self.span[(label.layer.key, label.value)] = label
            elif kind == Layer.Kind.RELATION:
                self.relation.setdefault(label.value, label)
            else:
                self.document[(label.layer.key, label.value)] = label


@dataclass
class _Pending:
    """Rows to write for one batch of documents."""

    runs: list[SuggestionRun] = field(default_factory=list)
    results: list[tuple[Document, Suggester, str, SuggesterResult]] = field(default_factory=list)


def _default_suggesters(project: Project) -> list[Suggester]:
    """The rule suggesters and the project's active learned ones."""
    from annotator.suggesters import default_suggesters

    return default_suggesters(project)


def suggestions_make(
    *,
    project: Project,
    documents: Iterable[Document] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: Callable[[int], None] | None = None,
    suggesters: Sequence[Suggester] | None = None,
    nlp=None,
) -> SuggestReport:
    """Run every suggester over the project's documents (or `documents`) and store the proposals.

    `on_progress(n)` is called after each batch with the number of documents it finished
    (including documents skipped as already done).
    """
    from annotator.nlp import load_pipeline, pipeline_tag

    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    suggesters = list(suggesters) if suggesters is not None else _default_suggesters(project)
    nlp = nlp if nlp is not None else load_pipeline()
    tag = pipeline_tag(nlp)
    versions = {s.name: f"{s.version}/{tag}" for s in suggesters}
    labels = _SchemeLabels(project)
    report = SuggestReport(pipeline=tag)

    if documents is None:
        document_ids = list(
            Document.objects.filter(corpus_id=project.corpus_id).order_by("id").values_list("id", flat=True)
        )
    else:
        document_ids = sorted({d.pk for d in documents})
    report.documents_total = len(document_ids)
    done = set(
        SuggestionRun.objects.filter(
            project=project,
            status=SuggestionRun.Status.DONE,
            suggester__in=list(versions),
            document_id__in=document_ids,
        ).values_list("document_id", "suggester", "suggester_version")
    )

    earlier = _earlier_output(project, list(versions), document_ids)

    for offset in range(0, len(document_ids), batch_size):
        batch_ids = document_ids[offset : offset + batch_size]
        todo = {
            doc_id: [s for s in suggesters if (doc_id, s.name, versions[s.name]) not in done]
            for doc_id in batch_ids
        }
        report.documents_already_done += sum(1 for doc_id in batch_ids if not todo[doc_id])
        batch = list(
            Document.objects.filter(pk__in=[d for d in batch_ids if todo[d]])
            .order_by("id")
            .only("id", "text")
        )
        if batch:
            pending = _run_batch(nlp, batch, batch_size, todo, versions, project, report)
            _write(project, pending, labels, report, earlier)
            report.documents_processed += len(batch)
        if on_progress is not None:
            on_progress(len(batch_ids))
    return report


def _earlier_output(project: Project, suggesters: list[str], document_ids: list[int]) -> set[tuple[int, str]]:
    """(document, suggester) pairs with runs or output stored already: only those have anything to replace."""
    found: set[tuple[int, str]] = set()
    for model in (Suggestion, SuggestedDocumentLabel, SuggestionRun):
        found.update(
            model.objects.filter(project=project, suggester__in=suggesters, document_id__in=document_ids)
            .order_by()
            .values_list("document_id", "suggester")
            .distinct()
        )
    return found


def _parse(nlp, batch: list[Document], batch_size: int):
    """Yield (document, Doc or exception): one `nlp.pipe` pass, per document only if the batch fails."""
    try:
        docs = list(nlp.pipe([d.text for d in batch], batch_size=batch_size))
    except Exception:  # noqa: BLE001 - fall back to one document at a time to find the bad one
        logger.exception("Parsing a batch failed; parsing its documents one by one.")
        for document in batch:
            try:
                yield document, nlp(document.text)
            except Exception as error:  # noqa: BLE001
                yield document, error
        return
    yield from zip(batch, docs, strict=True)


def _run(
    project: Project, document: Document, suggester: Suggester, version: str, status: str, error: str = ""
):
    """The record that this suggester version went through this document (done or failed)."""
    return SuggestionRun(
        project_id=project.pk,
        document_id=document.pk,
        suggester=suggester.name,
        suggester_version=version,
        status=status,
        error=error,
    )


def _run_batch(nlp, batch, batch_size, todo, versions, project, report) -> _Pending:
    pending = _Pending()
    for document, parsed in _parse(nlp, batch, batch_size):
        # Doc.text joins every token again on each access: compare once per document.
        changed = not isinstance(parsed, Exception) and parsed.text != document.text
        for suggester in todo[document.pk]:
            version = versions[suggester.name]
            try:
                if isinstance(parsed, Exception):
                    raise parsed
                if changed:
                    raise ValueError("the pipeline changed the text; offsets would not match")
                result = suggester.suggest(parsed)
                check_result(result, document.text)
            except Exception as error:  # noqa: BLE001 - one bad document must not stop the project
                message = "".join(traceback.format_exception_only(error)).strip()
                logger.warning("Suggester %s failed on document %s: %s", suggester.name, document.pk, message)
                report.failures.append(SuggestFailure(document.pk, suggester.name, message))
                pending.runs.append(
                    _run(project, document, suggester, version, SuggestionRun.Status.FAILED, message[:5000])
                )
                continue
            pending.results.append((document, suggester, version, result))
            pending.runs.append(_run(project, document, suggester, version, SuggestionRun.Status.DONE))
    return pending


@transaction.atomic
def _write(
    project: Project,
    pending: _Pending,
    labels: _SchemeLabels,
    report: SuggestReport,
    earlier: set[tuple[int, str]],
) -> None:
    # A successful run replaces the suggester's earlier output and runs for the document (older
    # versions, failed attempts); a failed run only replaces an earlier failure of the same version.
    # One query per suggester and table for the whole batch, and none where nothing was stored.
    replaced: dict[str, list[int]] = {}
    retried: dict[tuple[str, str], list[int]] = {}
    for run in pending.runs:
        if (run.document_id, run.suggester) not in earlier:
            continue
        if run.status == SuggestionRun.Status.DONE:
            replaced.setdefault(run.suggester, []).append(run.document_id)
        else:
            retried.setdefault((run.suggester, run.suggester_version), []).append(run.document_id)
    for suggester, document_ids in replaced.items():
        same = {"project": project, "suggester": suggester, "document_id__in": document_ids}
        Suggestion.objects.filter(**same).delete()
        SuggestedDocumentLabel.objects.filter(**same).delete()
        SuggestionRun.objects.filter(**same).delete()
    for (suggester, version), document_ids in retried.items():
        SuggestionRun.objects.filter(
            project=project, suggester=suggester, suggester_version=version, document_id__in=document_ids
        ).delete()

    suggestions: list[Suggestion] = []
    # Per result: index in `suggestions` of each proposal (None when its label is not in the scheme).
    placed: list[list[int | None]] = []
    document_labels: list[SuggestedDocumentLabel] = []
    for document, suggester, version, result in pending.results:
        positions: list[int | None] = []
        layers_seen: set[str] = set()
        for proposal in result.spans:
            row = report.row(suggester.name, proposal.layer)
            label = labels.span.get((proposal.layer, proposal.label))
            if label is None:
                row.skipped += 1
                positions.append(None)
                continue
            row.spans += 1
            layers_seen.add(proposal.layer)
            positions.append(len(suggestions))
            suggestions.append(
                Suggestion(
                    project_id=project.pk,
                    document_id=document.pk,
                    label_id=label.pk,
                    start=proposal.start,
                    end=proposal.end,
                    score=proposal.score,
                    suggester=suggester.name,
                    suggester_version=version,
                    reason=proposal.reason[:300],
                )
            )
        for layer in layers_seen:
            report.row(suggester.name, layer).documents += 1
        placed.append(positions)
        stance = result.stance
        if stance is not None:
            row = report.row(suggester.name, STANCE_LAYER)
            label = labels.document.get((STANCE_LAYER, stance.label))
            if label is None:
                row.skipped += 1
            else:
                row.documents += 1
                row.labels += 1
                document_labels.append(
                    SuggestedDocumentLabel(
                        project_id=project.pk,
                        document_id=document.pk,
                        layer_id=label.layer_id,
                        label_id=label.pk,
                        score=stance.score,
                        reason=stance.reason[:300],
                        sentences=[[start, end] for start, end in stance.sentences],
                        suggester=suggester.name,
                        suggester_version=version,
                    )
                )
    Suggestion.objects.bulk_create(suggestions)

    relations: list[SuggestedRelation] = []
    for (document, suggester, version, result), positions in zip(pending.results, placed, strict=True):
        related_layers: set[str] = set()
        for relation in result.relations:
            head, tail = positions[relation.head_index], positions[relation.tail_index]
            label = labels.relation.get(relation.label)
            layer_key = label.layer.key if label is not None else "relation"
            row = report.row(suggester.name, layer_key)
            if label is None or head is None or tail is None:
                row.skipped += 1
                continue
            row.relations += 1
            related_layers.add(layer_key)
            relations.append(
                SuggestedRelation(
                    project_id=project.pk,
                    document_id=document.pk,
                    head_id=suggestions[head].pk,
                    tail_id=suggestions[tail].pk,
                    label_id=label.pk,
                    suggester=suggester.name,
                    suggester_version=version,
                    score=relation.score,
                    reason=relation.reason[:300],
                )
            )
        for layer_key in related_layers:
            report.row(suggester.name, layer_key).documents += 1
    SuggestedRelation.objects.bulk_create(relations)
    SuggestedDocumentLabel.objects.bulk_create(document_labels)
    SuggestionRun.objects.bulk_create(pending.runs)
