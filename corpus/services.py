"""Write services for corpora: adding documents and importing files, all or nothing."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction

from annotator.services.bulk_rows import rows_insert
from corpus.importers import READERS
from corpus.importers.records import DocumentRecord, Problem, RecordError
from corpus.models import Corpus, Document, text_hash

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from annotator.models import Label, Project
    from corpus.importers import Reader


class ImportFailed(Exception):
    """The import wrote nothing; `problems` says what was wrong and where."""

    def __init__(self, problems: list[Problem]) -> None:
        lines = [str(p) for p in problems[:20]]
        if len(problems) > 20:
            lines.append(f"... and {len(problems) - 20} more problems.")
        super().__init__("\n".join(lines))
        self.problems = problems


class LabelsUnknown(ImportFailed):
    """The file uses labels the scheme lacks; nothing was written. `unknown` counts each one."""

    def __init__(self, problems: list[Problem], unknown: list[dict]) -> None:
        super().__init__(problems)
        self.unknown = unknown


@dataclass
class ImportReport:
    documents_created: int = 0
    documents_existing: int = 0
    annotation_sets: int = 0
    spans: int = 0
    relations: int = 0
    document_labels: int = 0
    suggestions: int = 0
    suggested_relations: int = 0
    suggested_document_labels: int = 0
    labels_added: list[str] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "documents_created": self.documents_created,
            "documents_existing": self.documents_existing,
            "annotation_sets": self.annotation_sets,
            "spans": self.spans,
            "relations": self.relations,
            "document_labels": self.document_labels,
            "suggestions": self.suggestions,
            "suggested_relations": self.suggested_relations,
            "suggested_document_labels": self.suggested_document_labels,
            "labels_added": self.labels_added,
            "skipped": [str(p) for p in self.skipped],
        }

    def summary(self) -> str:
        return (
            f"{self.documents_created} documents created, {self.documents_existing} already "
            f"present; {self.annotation_sets} annotation sets, {self.spans} spans, "
            f"{self.relations} relations, {self.document_labels} document labels, "
            f"{self.suggestions} suggestions, {self.suggested_relations} suggested relations, "
            f"{self.suggested_document_labels} suggested document labels."
        )


def corpus_get_or_create(*, slug: str, name: str = "", description: str = "") -> Corpus:
    corpus, _ = Corpus.objects.get_or_create(
        slug=slug, defaults={"name": name or slug, "description": description}
    )
    return corpus


def documents_get_or_create(corpus: Corpus, records: list[DocumentRecord]) -> list[tuple[Document, bool]]:
    """Return each record's document, inserting new texts in bulk; same text, same document."""
    hashes = [text_hash(r.text) for r in records]
    # No ordering: the model's joins the corpus table and sorts, which costs more than the lookup.
    known = {
        d.content_hash: d for d in Document.objects.filter(corpus=corpus, content_hash__in=hashes).order_by()
    }
    fresh: dict[str, Document] = {}
    for record, digest in zip(records, hashes, strict=True):
        if digest not in known and digest not in fresh:
            fresh[digest] = Document(
                corpus=corpus,
                text=record.text,
                content_hash=digest,
                title=record.title,
                source=record.source,
                kind=record.kind,
                external_id=record.external_id,
                meta=record.meta,
            )
    documents_insert(list(fresh.values()))
    by_hash = {**known, **fresh}
    result = []
    first_seen: set[str] = set()
    for digest in hashes:
        is_new = digest in fresh and digest not in first_seen
        first_seen.add(digest)
        result.append((by_hash[digest], is_new))
    return result


def documents_insert(documents: list[Document]) -> None:
    """Insert new documents with one executemany and give each its primary key."""
    if not documents:
        return
    corpus_id = documents[0].corpus_id
    rows_insert(
        Document,
        ["corpus", "text", "content_hash", "title", "source", "kind", "external_id", "meta"],
        [
            (corpus_id, d.text, d.content_hash, d.title, d.source, d.kind, d.external_id, d.meta)
            for d in documents
        ],
    )
    # (corpus, content_hash) is unique, so the hashes find the new rows' keys.
    by_hash = {d.content_hash: d for d in documents}
    rows = Document.objects.filter(corpus_id=corpus_id, content_hash__in=list(by_hash)).order_by()
    for digest, pk in rows.values_list("content_hash", "pk"):
        document = by_hash[digest]
        document.pk = pk
        document._state.adding = False


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def corpus_import(
    *,
    corpus: Corpus,
    path: Path,
    format: str,
    project: "Project | None" = None,
    annotator: "AbstractBaseUser | None" = None,
    as_suggestions: bool = False,
    skip_bad: bool = False,
    label_map: "dict[str, Label] | None" = None,
    add_labels: bool = False,
    layer: str | None = None,
    replace: bool = False,
    reader: "Reader | None" = None,
    batch_size: int = 500,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a file or folder into the corpus in one transaction.

    Annotations in the input attach to `project`, as `annotator`'s work or as suggestions.
    Without `skip_bad` any bad record aborts the import and nothing is written. Labels the scheme
    lacks abort it too (LabelsUnknown, with counts) unless `label_map` maps them or `add_labels`
    adds them (under the file's layer or `layer`). `replace` lets the file replace an annotator's
    existing work on a document (see annotator.services.imports). `reader` overrides the format's.
    """
    from annotator.models import Membership
    from annotator.services.imports import AnnotationWriter
    from annotator.services.label_mapping import LabelAdder, UnknownLabel

    if format not in READERS:
        raise ImportFailed(
            [
                Problem(
                    str(path),
                    None,
                    "format",
                    f"unknown format '{format}'; choose one of {', '.join(READERS)}.",
                )
            ]
        )
    if not path.exists():
        raise ImportFailed([Problem(str(path), None, None, "no such file or folder.")])
    if project is not None and project.corpus_id != corpus.pk:
        raise ImportFailed(
            [
                Problem(
                    str(path),
                    None,
                    "project",
                    f"project '{project.slug}' annotates corpus "
                    f"'{project.corpus.slug}', not '{corpus.slug}'.",
                )
            ]
        )
    if (
        project is not None
        and annotator is not None
        and not Membership.objects.filter(project=project, user=annotator).exists()
    ):
        message = f"'{annotator}' is not a member of project '{project.slug}'; add them first."
        raise ImportFailed([Problem(str(path), None, "as_annotator", message)])
    report = ImportReport()
    problems: list[Problem] = []
    with transaction.atomic():
        adder = LabelAdder(project.scheme, layer) if project is not None and add_labels else None
        writer = (
            AnnotationWriter(
                project, annotator, as_suggestions, label_map=label_map, adder=adder, replace=replace
            )
            if project is not None
            else None
        )
        for batch in _batches((reader or READERS[format])(path), batch_size):
            good: list[DocumentRecord] = []
            for item in batch:
                try:
                    if isinstance(item, RecordError):
                        raise item
                    if item.has_annotations:
                        if writer is None:
                            raise item.problem(
                                None, "this record has annotations; name a --project to attach them to."
                            )
                        writer.check(item)
                    good.append(item)
                except UnknownLabel:
                    pass  # counted by the writer; reported together at the end
                except RecordError as error:
                    problems.append(error.problem)
            blocked = writer is not None and bool(writer.unknown)
            if blocked or (problems and not skip_bad):
                if on_progress:
                    on_progress(len(batch))
                continue  # keep reading to report every problem, write nothing more
            pairs = []
            for record, (document, created) in zip(good, documents_get_or_create(corpus, good), strict=True):
                if created:
                    report.documents_created += 1
                else:
                    report.documents_existing += 1
                pairs.append((record, document))
            if writer is not None:
                refused = writer.conflicts(pairs)
                problems.extend(error.problem for _, error in refused)
                skipped = {id(record) for record, _ in refused}
                if not (problems and not skip_bad):
                    writer.write_batch([pair for pair in pairs if id(pair[0]) not in skipped], report)
            if on_progress:
                on_progress(len(batch))
        if writer is not None and writer.unknown:
            unknown = writer.unknown.as_list()
            raise LabelsUnknown(problems + list(writer.unknown.first.values()), unknown)
        if problems and not skip_bad:
            raise ImportFailed(problems)  # leaving the atomic block by an exception rolls back
        if adder is not None:
            report.labels_added = [f"{label.layer.key}:{label.value}" for label in adder.added]
    report.skipped = problems
    return report
