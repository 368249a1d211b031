"""Write services for corpora: adding documents and importing files, all or nothing."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction

from corpus.importers import READERS
from corpus.importers.records import DocumentRecord, Problem, RecordError
from corpus.models import Corpus, Document, text_hash

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from annotator.models import Project


class ImportFailed(Exception):
    """The import wrote nothing; `problems` says what was wrong and where."""

    def __init__(self, problems: list[Problem]) -> None:
        lines = [str(p) for p in problems[:20]]
        if len(problems) > 20:
            lines.append(f"... and {len(problems) - 20} more problems.")
        super().__init__("\n".join(lines))
        self.problems = problems


@dataclass
class ImportReport:
    documents_created: int = 0
    documents_existing: int = 0
    annotation_sets: int = 0
    spans: int = 0
    relations: int = 0
    document_labels: int = 0
    suggestions: int = 0
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
            "skipped": [str(p) for p in self.skipped],
        }


def corpus_get_or_create(*, slug: str, name: str = "", description: str = "") -> Corpus:
    corpus, _ = Corpus.objects.get_or_create(
        slug=slug, defaults={"name": name or slug, "description": description}
    )
    return corpus


def documents_get_or_create(corpus: Corpus, records: list[DocumentRecord]) -> list[tuple[Document, bool]]:
    """Return each record's document, inserting new texts in bulk; same text, same document."""
    hashes = [text_hash(r.text) for r in records]
    known = {d.content_hash: d for d in Document.objects.filter(corpus=corpus, content_hash__in=hashes)}
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
    created = Document.objects.bulk_create(list(fresh.values()))
    by_hash = {**known, **{d.content_hash: d for d in created}}
    result = []
    first_seen: set[str] = set()
    for digest in hashes:
        is_new = digest in fresh and digest not in first_seen
        first_seen.add(digest)
        result.append((by_hash[digest], is_new))
    return result


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
    batch_size: int = 500,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a file or folder into the corpus in one transaction.

    Annotations in the input attach to `project`, as `annotator`'s work or as suggestions.
    Without `skip_bad` any bad record aborts the import and nothing is written.
    """
    from annotator.services.imports import AnnotationWriter

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
    writer = AnnotationWriter(project, annotator, as_suggestions) if project is not None else None
    report = ImportReport()
    problems: list[Problem] = []
    with transaction.atomic():
        for batch in _batches(READERS[format](path), batch_size):
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
                except RecordError as error:
                    problems.append(error.problem)
            if problems and not skip_bad:
                continue  # keep reading to report every problem, write nothing more
            for record, (document, created) in zip(good, documents_get_or_create(corpus, good), strict=True):
                if created:
                    report.documents_created += 1
                else:
                    report.documents_existing += 1
                if record.has_annotations and writer is not None:
                    writer.write(record, document, report)
            if on_progress:
                on_progress(len(batch))
        if problems and not skip_bad:
            raise ImportFailed(problems)  # leaving the atomic block by an exception rolls back
    report.skipped = problems
    return report
