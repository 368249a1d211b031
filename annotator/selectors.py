"""Read queries: what a user may see, the queue, the workspace payload, gold for export."""

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import CharField, Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from annotator import plain_sql as sql
from annotator.models import (
    AnnotationSet,
    Comment,
    DocumentLabel,
    Label,
    LabelScheme,
    Layer,
    Membership,
    Project,
    Relation,
    Span,
)
from annotator.services.errors import NotAllowed
from corpus.models import Corpus, Document


def project_list_for_user(user: AbstractBaseUser) -> QuerySet[Project]:
    """Projects the user belongs to (all of them for superusers), each with the user's `role`."""
    role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    fallback = Value("admin" if user.is_superuser else None, output_field=CharField(null=True))
    projects = Project.objects.select_related("corpus", "scheme").annotate(
        role=Coalesce(Subquery(role), fallback)
    )
    if user.is_superuser:
        return projects
    return projects.filter(memberships__user=user)


@functools.cache
def _project_sql(members_only: bool) -> str:
    """A project by slug with its corpus, scheme and the user's role, in one plain query."""
    member = f"SELECT m.role FROM {sql.table(Membership)} m WHERE m.project_id = p.id AND m.user_id = %s"
    return (
        f"SELECT {sql.select_list(Project, 'p')}, {sql.select_list(Corpus, 'c')}, "
        f"{sql.select_list(LabelScheme, 's')}, ({member}) FROM {sql.table(Project)} p "
        f"JOIN {sql.table(Corpus)} c ON c.id = p.corpus_id "
        f"JOIN {sql.table(LabelScheme)} s ON s.id = p.scheme_id "
        "WHERE p.slug = %s" + (f" AND EXISTS ({member})" if members_only else "")
    )


@functools.cache
def _project_document_sql() -> str:
    """`_project_sql` for a member, plus their control flag and one document of the project's corpus."""
    membership = sql.table(Membership)
    member = f"FROM {membership} m WHERE m.project_id = p.id AND m.user_id = %s"
    return (
        f"SELECT {sql.select_list(Project, 'p')}, {sql.select_list(Corpus, 'c')}, "
        f"{sql.select_list(LabelScheme, 's')}, (SELECT m.role {member}), (SELECT m.is_control {member}), "
        f"{sql.select_list(Document, 'd')} FROM {sql.table(Project)} p "
        f"JOIN {sql.table(Corpus)} c ON c.id = p.corpus_id "
        f"JOIN {sql.table(LabelScheme)} s ON s.id = p.scheme_id "
        f"LEFT JOIN {sql.table(Document)} d ON d.corpus_id = p.corpus_id AND d.id = %s "
        f"WHERE p.slug = %s AND (%s OR EXISTS (SELECT 1 {member}))"
    )


def project_document_for_user(
    user: AbstractBaseUser, slug: str, document_id: int
) -> tuple[Project, Document]:
    """`project_get_for_user` and `document_get_in_project` in one query; `project.is_control` too.

    Opening a document (the API's document and annotation-set fetches) starts here.
    """
    params = [user.pk, user.pk, document_id, slug, user.is_superuser, user.pk]
    row = sql.fetch_one(_project_document_sql(), params)
    if row is None:
        raise NotAllowed(f"No project '{slug}' of yours.")
    width = sum(len(model._meta.concrete_fields) for model in (Project, Corpus, LabelScheme))
    project, corpus, scheme = sql.instances(row[:width], Project, Corpus, LabelScheme)
    sql.attach(project, "corpus", corpus)
    sql.attach(project, "scheme", scheme)
    role, is_control, document_row = row[width], row[width + 1], row[width + 2 :]
    project.role = role or ("admin" if user.is_superuser else None)
    project.is_control = bool(is_control)
    if document_row[0] is None:
        raise NotAllowed(f"No document {document_id} in project '{project.slug}'.")
    return project, sql.instance(Document, document_row)


def project_get_for_user(user: AbstractBaseUser, slug: str) -> Project:
    """A project of the user's (any for superusers) with `role`, as `project_list_for_user` gives it.

    Every document and workspace request starts here: one plain query (see `annotator.plain_sql`).
    """
    params = [user.pk, slug] + ([] if user.is_superuser else [user.pk])
    row = sql.fetch_one(_project_sql(not user.is_superuser), params)
    if row is None:
        raise NotAllowed(f"No project '{slug}' of yours.")
    project, corpus, scheme = sql.instances(row[:-1], Project, Corpus, LabelScheme)
    project.corpus = corpus
    project.scheme = scheme
    project.role = row[-1] or ("admin" if user.is_superuser else None)
    return project


def project_scheme(project: Project) -> list[Layer]:
    return list(Layer.objects.filter(scheme_id=project.scheme_id).prefetch_related("labels"))


@dataclass(frozen=True)
class QueueEntry:
    document: Document
    status: str  # "new", "in_progress" or "submitted"
    span_count: int


def document_queue(project: Project, user: AbstractBaseUser) -> list[QueueEntry]:
    """The documents this user may annotate, in order, each with their progress on it.

    Open projects give every document; queue and manual ones only those assigned (admins: all).
    Skipped documents leave the queue.
    """
    mine = {
        row["document_id"]: row
        for row in AnnotationSet.objects.filter(
            project=project, annotator=user, kind=AnnotationSet.Kind.ANNOTATION
        )
        .annotate(span_count=Count("spans"))
        .values("document_id", "status", "span_count")
    }
    skipped = {pk for pk, row in mine.items() if row["status"] == AnnotationSet.Status.SKIPPED}
    documents = (
        Document.objects.filter(corpus_id=project.corpus_id)
        .exclude(pk__in=skipped)
        .only("id", "title", "kind", "corpus_id")
    )
    if project.assignment != Project.Assignment.OPEN and not user.is_superuser:
        documents = documents.filter(pk__in=list(mine))
    return [
        QueueEntry(
            document=doc,
            status=mine[doc.pk]["status"] if doc.pk in mine else "new",
            span_count=mine[doc.pk]["span_count"] if doc.pk in mine else 0,
        )
        for doc in documents
    ]


def document_get_in_project(project: Project, document_id: int) -> Document:
    row = sql.fetch_one(
        f"SELECT {sql.select_list(Document, 'd')} FROM {sql.table(Document)} d "
        "WHERE d.corpus_id = %s AND d.id = %s",
        [project.corpus_id, document_id],
    )
    document = None if row is None else sql.instance(Document, row)
    if document is None:
        raise NotAllowed(f"No document {document_id} in project '{project.slug}'.")
    return document


@functools.cache
def _annotation_set_sql(members_only: bool, with_span: bool = False) -> str:
    """The user's annotation set joined to its project, scheme and document, in one plain query.

    `with_span` adds one of its spans with label and layer (empty columns if the set has no such span).
    """
    member = (
        f" AND EXISTS (SELECT 1 FROM {sql.table(Membership)} m"
        " WHERE m.project_id = a.project_id AND m.user_id = %s)"
    )
    span_columns = span_join = ""
    if with_span:
        span_columns = (
            f", {sql.select_list(Span, 'x')}, {sql.select_list(Label, 'l')}, {sql.select_list(Layer, 'y')}"
        )
        span_join = (
            f"LEFT JOIN {sql.table(Span)} x ON x.annotation_set_id = a.id AND x.id = %s "
            f"LEFT JOIN {sql.table(Label)} l ON l.id = x.label_id "
            f"LEFT JOIN {sql.table(Layer)} y ON y.id = l.layer_id "
        )
    return (
        f"SELECT {sql.select_list(AnnotationSet, 'a')}, {sql.select_list(Project, 'p')}, "
        f"{sql.select_list(LabelScheme, 's')}, {sql.select_list(Document, 'd')}{span_columns} "
        f"FROM {sql.table(AnnotationSet)} a JOIN {sql.table(Project)} p ON p.id = a.project_id "
        f"JOIN {sql.table(LabelScheme)} s ON s.id = p.scheme_id "
        f"JOIN {sql.table(Document)} d ON d.id = a.document_id {span_join}"
        f"WHERE a.id = %s AND a.annotator_id = %s AND a.kind = %s" + (member if members_only else "")
    )


def _annotation_set_row(
    user: AbstractBaseUser, annotation_set_id: int, span_id: int | None = None
) -> tuple[AnnotationSet, Sequence[Any]]:
    """The user's annotation set as `annotation_set_for_user` gives it, and the rest of its row."""
    # Gold sets change only through the curation services, which keep their history.
    params = [annotation_set_id, user.pk, AnnotationSet.Kind.ANNOTATION]
    if not user.is_superuser:
        # Someone removed from a project no longer reaches their work in it.
        params.append(user.pk)
    if span_id is not None:
        params.insert(0, span_id)
    row = sql.fetch_one(_annotation_set_sql(not user.is_superuser, span_id is not None), params)
    if row is None:
        raise NotAllowed(f"No annotation set {annotation_set_id} of yours.")
    models_in_row = (AnnotationSet, Project, LabelScheme, Document)
    width = sum(len(model._meta.concrete_fields) for model in models_in_row)
    annotation_set, project, scheme, document = sql.instances(row[:width], *models_in_row)
    sql.attach(project, "scheme", scheme)
    sql.attach(annotation_set, "project", project)
    sql.attach(annotation_set, "document", document)
    sql.attach(annotation_set, "annotator", user)  # it is theirs: no query to load them again
    return annotation_set, row[width:]


def annotation_set_for_user(user: AbstractBaseUser, annotation_set_id: int) -> AnnotationSet:
    """The user's own annotation set; annotators never reach each other's work this way.

    Every write starts here, so it is one plain query (see `annotator.plain_sql`) that also
    brings the project, its scheme and the document.
    """
    return _annotation_set_row(user, annotation_set_id)[0]


def span_for_user(user: AbstractBaseUser, annotation_set_id: int, span_id: int) -> Span:
    """A span of the user's own annotation set, read with the set in one query."""
    annotation_set, rest = _annotation_set_row(user, annotation_set_id, span_id)
    if rest[0] is None:
        raise NotAllowed(f"No span {span_id} in annotation set {annotation_set_id}.")
    span, label, layer = sql.instances(rest, Span, Label, Layer)
    sql.attach(label, "layer", layer)
    sql.attach(span, "label", label)
    sql.attach(span, "annotation_set", annotation_set)
    return span


def comment_for_user(user: AbstractBaseUser, annotation_set_id: int, comment_id: int) -> Comment:
    annotation_set = annotation_set_for_user(user, annotation_set_id)
    comment = Comment.objects.filter(annotation_set=annotation_set, pk=comment_id).first()
    if comment is None:
        raise NotAllowed(f"No comment {comment_id} in annotation set {annotation_set_id}.")
    comment.annotation_set = annotation_set
    return comment


def relation_for_user(user: AbstractBaseUser, annotation_set_id: int, relation_id: int) -> Relation:
    annotation_set = annotation_set_for_user(user, annotation_set_id)
    relation = Relation.objects.filter(annotation_set=annotation_set, pk=relation_id).first()
    if relation is None:
        raise NotAllowed(f"No relation {relation_id} in annotation set {annotation_set_id}.")
    relation.annotation_set = annotation_set
    return relation


def annotation_sets_with_content(sets: QuerySet[AnnotationSet]) -> QuerySet[AnnotationSet]:
    """Prefetch everything an annotation set's payload or export needs, in a fixed few queries."""
    return sets.select_related("annotator").prefetch_related(
        # Ordered within the set only: the models' orderings would join the set, project and document.
        Prefetch(
            "spans", queryset=Span.objects.select_related("label__layer").order_by("start", "end", "id")
        ),
        Prefetch("relations", queryset=Relation.objects.select_related("label__layer").order_by("id")),
        Prefetch(
            "document_labels",
            queryset=DocumentLabel.objects.select_related("label", "layer").prefetch_related(
                Prefetch("rationale", queryset=Span.objects.only("id"))
            ),
        ),
    )


def _comments(annotation_set_id: int) -> list[Comment]:
    rows = sql.fetch_all(
        f"SELECT {sql.select_list(Comment, 'c')} FROM {sql.table(Comment)} c "
        "WHERE c.annotation_set_id = %s ORDER BY c.id",
        [annotation_set_id],
    )
    return [sql.instance(Comment, row) for row in rows]


def _empty_rows() -> dict[str, Any]:
    """What `annotation_set_rows` gives for a set nothing was written to yet, without asking."""
    return {"stance": None, "document_labels": {}, "spans": [], "relations": []}


def annotation_set_payload(
    annotation_set: AnnotationSet, *, sees: bool | None = None, empty: bool = False
) -> dict:
    """The annotation set as the workspace and the API show it.

    `sees`: whether its annotator sees suggestions, if the caller knows; `empty`: it was just started.
    """
    from annotator.exporters.records import annotation_set_rows
    from annotator.services.comments import comment_record
    from annotator.services.suggestion_review import (
        open_suggestion_records,
        sees_suggestions,
        suggested_stance,
    )

    loaded = annotation_set
    # Reuse what the caller loaded: every query saved here is saved on each workspace fetch.
    if not (AnnotationSet.project.is_cached(loaded) and AnnotationSet.document.is_cached(loaded)):
        loaded = AnnotationSet.objects.select_related("project", "document", "annotator").get(pk=loaded.pk)
    if AnnotationSet.annotator.is_cached(loaded):
        username = loaded.annotator.get_username()
    else:
        username = get_user_model().objects.values_list("username", flat=True).get(pk=loaded.annotator_id)
    text = loaded.document.text
    if sees is None:
        sees = sees_suggestions(loaded)
    return {
        "id": loaded.pk,
        "project": loaded.project.slug,
        "document": loaded.document_id,
        "annotator": username,
        "status": loaded.status,
        "skip_reason": loaded.skip_reason,
        "version": loaded.version,
        **(_empty_rows() if empty else annotation_set_rows(loaded.pk, text)),
        "comments": [] if empty else [comment_record(c) for c in _comments(loaded.pk)],
        "suggestions": open_suggestion_records(loaded, text, sees=sees),
        "suggested_stance": suggested_stance(loaded, sees=sees),
    }


@dataclass(frozen=True)
class DocumentWithAnnotations:
    document: Document
    submitted: list[AnnotationSet]
    curated: AnnotationSet | None = None  # the submitted gold set, if a curator submitted one

    @property
    def gold(self) -> AnnotationSet | None:
        """The curated gold if submitted, else the submitted work when exactly one annotator submitted."""
        if self.curated is not None:
            return self.curated
        return self.submitted[0] if len(self.submitted) == 1 else None


def project_documents_for_export(
    project: Project, chunk_size: int = 200
) -> Iterator[DocumentWithAnnotations]:
    """Yield each document of the project with its submitted annotation sets, in chunks."""
    ids = list(
        Document.objects.filter(corpus_id=project.corpus_id).order_by("id").values_list("id", flat=True)
    )
    for first in range(0, len(ids), chunk_size):
        chunk = ids[first : first + chunk_size]
        documents = Document.objects.in_bulk(chunk)
        submitted: dict[int, list[AnnotationSet]] = {pk: [] for pk in chunk}
        curated: dict[int, AnnotationSet] = {}
        sets = annotation_sets_with_content(
            AnnotationSet.objects.filter(
                project=project, document_id__in=chunk, status=AnnotationSet.Status.SUBMITTED
            ).order_by("annotator__username")
        )
        for annotation_set in sets:
            if annotation_set.kind == AnnotationSet.Kind.GOLD:
                curated[annotation_set.document_id] = annotation_set
            else:
                submitted[annotation_set.document_id].append(annotation_set)
        for pk in chunk:
            yield DocumentWithAnnotations(
                document=documents[pk], submitted=submitted[pk], curated=curated.get(pk)
            )


DOCUMENT_COLUMNS = ("id", "title", "text", "meta", "source", "kind", "external_id", "content_hash")


@dataclass(frozen=True)
class SubmittedSet:
    """A submitted annotation set, without its content."""

    id: int
    annotator: str
    submitted_at: datetime | None


@dataclass(frozen=True)
class DocumentRows:
    """A document read as DOCUMENT_COLUMNS (a dict) with its submitted annotation sets, for export."""

    document: dict[str, Any]
    submitted: list[SubmittedSet]
    curated: SubmittedSet | None = None

    @property
    def gold(self) -> SubmittedSet | None:
        """The curated gold if submitted, else the submitted work when exactly one annotator submitted."""
        if self.curated is not None:
            return self.curated
        return self.submitted[0] if len(self.submitted) == 1 else None


def project_document_rows(project: Project, chunk_size: int = 500) -> Iterator[list[DocumentRows]]:
    """Yield the project's documents in id order, a chunk at a time, as plain rows (no model instances)."""
    ids = list(
        Document.objects.filter(corpus_id=project.corpus_id).order_by("id").values_list("id", flat=True)
    )
    for first in range(0, len(ids), chunk_size):
        chunk = ids[first : first + chunk_size]
        documents = Document.objects.filter(pk__in=chunk).order_by("id").values(*DOCUMENT_COLUMNS)
        submitted: dict[int, list[SubmittedSet]] = {pk: [] for pk in chunk}
        curated: dict[int, SubmittedSet] = {}
        sets = (
            AnnotationSet.objects.filter(
                project=project, document_id__in=chunk, status=AnnotationSet.Status.SUBMITTED
            )
            .order_by("annotator__username")
            .values_list("id", "document_id", "kind", "annotator__username", "submitted_at")
        )
        for pk, document_id, kind, username, submitted_at in sets:
            row = SubmittedSet(pk, username, submitted_at)
            if kind == AnnotationSet.Kind.GOLD:
                curated[document_id] = row
            else:
                submitted[document_id].append(row)
        yield [
            DocumentRows(document=row, submitted=submitted[row["id"]], curated=curated.get(row["id"]))
            for row in documents
        ]


def project_counts(project: Project) -> dict[str, int]:
    return AnnotationSet.objects.filter(project=project, kind=AnnotationSet.Kind.ANNOTATION).aggregate(
        submitted=Count("id", filter=Q(status=AnnotationSet.Status.SUBMITTED)),
        in_progress=Count("id", filter=Q(status=AnnotationSet.Status.IN_PROGRESS)),
    )
