"""Move a project between instances: dump it to JSON Lines, restore it into another database.

One record a line, `{"type": ...}`: the project (with its corpus and scheme), the users it mentions,
its members, documents, suggestions (with runs, suggested relations and document labels) and
annotation sets with their spans, relations, document labels, comments, suggestion decisions and gold
history, and the audit log. Rows refer to each other by numbers local to the file, users by username
and labels by layer key and value, so a file fits any database, and dumping a restored project gives
the same file.
Audit entries keep their before/after snapshots as written (ids in them are the old database's).
Not included: trained models (files on disk; train again).
"""

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TextIO

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction

from annotator.models import (
    AnnotationSet,
    AuditEvent,
    Comment,
    DocumentLabel,
    GoldChange,
    Label,
    Membership,
    Project,
    Relation,
    Span,
    SuggestedDocumentLabel,
    SuggestedRelation,
    Suggestion,
    SuggestionDecision,
    SuggestionRun,
)
from annotator.services.errors import invalid
from annotator.services.schemes import scheme_as_data, scheme_load
from corpus.models import Corpus, Document, text_hash

FORMAT = "stancemark-project/1"
USER_FIELDS = ["username", "first_name", "last_name", "email", "is_active"]


def stamp(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def unstamp(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def label_ref(label: Label) -> list[str]:
    return [label.layer.key, label.value]


# --- dump ---------------------------------------------------------------------------------------


def project_records(project: Project) -> Iterator[dict[str, Any]]:
    """Yield the project's records in a fixed order (the order restore needs)."""
    yield {
        "type": "project",
        "format": FORMAT,
        "slug": project.slug,
        "name": project.name,
        "description": project.description,
        "created_at": stamp(project.created_at),
        "blind_annotation": project.blind_annotation,
        "annotators_per_document": project.annotators_per_document,
        "assignment": project.assignment,
        "merge_threshold": project.merge_threshold,
        "corpus": {
            "slug": project.corpus.slug,
            "name": project.corpus.name,
            "description": project.corpus.description,
        },
        "scheme": scheme_as_data(project.scheme),
    }
    sets = list(
        AnnotationSet.objects.filter(project=project)
        .select_related("annotator", "assigned_by")
        .order_by("document_id", "annotator__username", "kind")
    )
    User = get_user_model()
    user_ids = set(Membership.objects.filter(project=project).values_list("user_id", flat=True))
    user_ids |= {s.annotator_id for s in sets} | {s.assigned_by_id for s in sets if s.assigned_by_id}
    user_ids |= set(
        SuggestionDecision.objects.filter(annotation_set__project=project).values_list(
            "decided_by_id", flat=True
        )
    )
    user_ids |= set(
        GoldChange.objects.filter(annotation_set__project=project).values_list("user_id", flat=True)
    )
    for user in User.objects.filter(pk__in=user_ids).order_by("username"):
        yield {"type": "user", **{name: getattr(user, name) for name in USER_FIELDS}}
    for member in (
        Membership.objects.filter(project=project).select_related("user").order_by("user__username")
    ):
        yield {
            "type": "member",
            "username": member.user.username,
            "role": member.role,
            "is_control": member.is_control,
        }
    documents: dict[int, int] = {}
    for document in Document.objects.filter(corpus_id=project.corpus_id).order_by("id").iterator():
        documents[document.pk] = len(documents) + 1
        yield {
            "type": "document",
            "key": documents[document.pk],
            "title": document.title,
            "text": document.text,
            "source": document.source,
            "kind": document.kind,
            "external_id": document.external_id,
            "meta": document.meta,
            "created_at": stamp(document.created_at),
        }
    suggestions: dict[int, int] = {}
    for row in Suggestion.objects.filter(project=project).select_related("label__layer").order_by("id"):
        suggestions[row.pk] = len(suggestions) + 1
        yield {
            "type": "suggestion",
            "key": suggestions[row.pk],
            "document": documents[row.document_id],
            "label": label_ref(row.label),
            **{
                f: getattr(row, f)
                for f in ["start", "end", "score", "suggester", "suggester_version", "reason"]
            },
            "created_at": stamp(row.created_at),
        }
    for row in (
        SuggestedRelation.objects.filter(project=project).select_related("label__layer").order_by("id")
    ):
        yield {
            "type": "suggested_relation",
            "document": documents[row.document_id],
            "head": suggestions[row.head_id],
            "tail": suggestions[row.tail_id],
            "label": label_ref(row.label),
            **{f: getattr(row, f) for f in ["suggester", "suggester_version", "score", "reason"]},
            "created_at": stamp(row.created_at),
        }
    for row in (
        SuggestedDocumentLabel.objects.filter(project=project).select_related("label__layer").order_by("id")
    ):
        yield {
            "type": "suggested_document_label",
            "document": documents[row.document_id],
            "label": label_ref(row.label),
            **{
                f: getattr(row, f) for f in ["score", "reason", "sentences", "suggester", "suggester_version"]
            },
            "created_at": stamp(row.created_at),
        }
    for row in SuggestionRun.objects.filter(project=project).order_by("id"):
        yield {
            "type": "suggestion_run",
            "document": documents[row.document_id],
            **{f: getattr(row, f) for f in ["suggester", "suggester_version", "status", "error"]},
            "created_at": stamp(row.created_at),
        }
    for annotation_set in sets:
        yield annotation_set_record(annotation_set, documents, suggestions)
    set_refs = {s.pk: [documents[s.document_id], s.annotator.username, s.kind] for s in sets}
    for event in AuditEvent.objects.filter(project=project).select_related("actor").order_by("id"):
        yield {
            "type": "audit_event",
            "annotation_set": set_refs.get(event.annotation_set_id),
            "document": documents.get(event.document_id),
            "actor": event.actor.username if event.actor else None,
            "action": event.action,
            "before": event.before,
            "after": event.after,
            "at": stamp(event.at),
        }


def annotation_set_record(
    annotation_set: AnnotationSet, documents: dict[int, int], suggestions: dict[int, int]
) -> dict[str, Any]:
    spans: dict[int, int] = {}
    span_rows = []
    for span in annotation_set.spans.select_related("label__layer").order_by("id"):
        spans[span.pk] = len(spans) + 1
        span_rows.append(
            {
                "key": spans[span.pk],
                "label": label_ref(span.label),
                **{f: getattr(span, f) for f in ["start", "end", "step", "attributes", "origin", "score"]},
                "provenance": span.provenance,
                "created_at": stamp(span.created_at),
            }
        )
    return {
        "type": "annotation_set",
        "document": documents[annotation_set.document_id],
        "annotator": annotation_set.annotator.username,
        "assigned_by": annotation_set.assigned_by.username if annotation_set.assigned_by else None,
        **{
            f: getattr(annotation_set, f)
            for f in ["kind", "status", "version", "skip_reason", "time_spent_seconds"]
        },
        "created_at": stamp(annotation_set.created_at),
        "updated_at": stamp(annotation_set.updated_at),
        "submitted_at": stamp(annotation_set.submitted_at),
        "spans": span_rows,
        "relations": [
            {
                "head": spans[r.head_id],
                "tail": spans[r.tail_id],
                "label": label_ref(r.label),
                "provenance": r.provenance,
                "created_at": stamp(r.created_at),
            }
            for r in annotation_set.relations.select_related("label__layer").order_by("id")
        ],
        "document_labels": [
            {
                "label": label_ref(d.label),
                "confidence": d.confidence,
                "rationale": sorted(spans[pk] for pk in d.rationale.values_list("pk", flat=True)),
                "provenance": d.provenance,
                "updated_at": stamp(d.updated_at),
            }
            for d in annotation_set.document_labels.select_related("label__layer").order_by("layer__key")
        ],
        "comments": [
            {
                "span": spans[c.span_id] if c.span_id else None,
                "flag": c.flag,
                "text": c.text,
                "created_at": stamp(c.created_at),
            }
            for c in annotation_set.comments.order_by("id")
        ],
        "decisions": [
            {
                "suggestion": suggestions.get(d.suggestion_id) if d.suggestion_id else None,
                "span": spans.get(d.span_id) if d.span_id else None,
                "label": label_ref(d.label),
                **{f: getattr(d, f) for f in ["start", "end", "suggester", "suggester_version", "decision"]},
                "decided_by": d.decided_by.username,
                "decided_at": stamp(d.decided_at),
            }
            for d in annotation_set.suggestion_decisions.select_related(
                "label__layer", "decided_by"
            ).order_by("id")
        ],
        "gold_changes": [
            {"user": g.user.username, "action": g.action, "data": g.data, "at": stamp(g.at)}
            for g in annotation_set.gold_changes.select_related("user").order_by("id")
        ],
    }


def project_dump(*, project: Project, out: TextIO) -> dict[str, int]:
    """Write the project as JSON Lines to `out`; return how many records of each type were written."""
    counts: dict[str, int] = {}
    for record in project_records(project):
        out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        counts[record["type"]] = counts.get(record["type"], 0) + 1
    return counts


def project_digest(project: Project) -> str:
    """SHA-256 of the project's dump: equal digests, equal content (whatever the database ids)."""
    digest = hashlib.sha256()
    for record in project_records(project):
        digest.update(json.dumps(record, ensure_ascii=False, sort_keys=True).encode() + b"\n")
    return digest.hexdigest()


# --- restore ------------------------------------------------------------------------------------


@contextmanager
def stored_timestamps() -> Iterator[None]:
    """Let restored rows keep their own timestamps instead of auto_now/auto_now_add ones."""
    fields = [
        field
        for model in [*apps.get_app_config("annotator").get_models(), Document]
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


@transaction.atomic
def project_restore(*, lines: Iterable[str]) -> tuple[Project, dict[str, int]]:
    """Create the project from a dump; users missing here are created without a password.

    All or nothing: a project with the same slug already here, or a bad record, changes nothing.
    """
    with stored_timestamps():
        return _restore(iter(lines))


def _restore(lines: Iterator[str]) -> tuple[Project, dict[str, int]]:
    counts: dict[str, int] = {}
    project: Project | None = None
    labels: dict[tuple[str, str], Label] = {}
    users: dict[str, Any] = {}
    documents: dict[int, Document] = {}
    suggestions: dict[int, Suggestion] = {}
    sets: dict[tuple, AnnotationSet] = {}
    User = get_user_model()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            kind = record["type"]
        except (json.JSONDecodeError, TypeError, KeyError) as error:
            raise invalid("file", f"line {number}: not a dump record ({error}).") from error
        counts[kind] = counts.get(kind, 0) + 1
        if kind == "project":
            if record.get("format") != FORMAT:
                raise invalid("file", f"line {number}: not a {FORMAT} dump.")
            if Project.objects.filter(slug=record["slug"]).exists():
                raise invalid("slug", f"A project '{record['slug']}' exists here already.", "exists")
            scheme, _ = scheme_load(record["scheme"], source=f"line {number}: scheme")
            corpus, _ = Corpus.objects.get_or_create(
                slug=record["corpus"]["slug"],
                defaults={"name": record["corpus"]["name"], "description": record["corpus"]["description"]},
            )
            project = Project.objects.create(
                corpus=corpus,
                scheme=scheme,
                created_at=unstamp(record["created_at"]),
                **{
                    f: record[f]
                    for f in [
                        "slug",
                        "name",
                        "description",
                        "blind_annotation",
                        "annotators_per_document",
                        "assignment",
                        "merge_threshold",
                    ]
                },
            )
            labels = {
                (label.layer.key, label.value): label
                for label in Label.objects.filter(layer__scheme=scheme).select_related("layer")
            }
            continue
        if project is None:
            raise invalid("file", "The first record must be the project.")
        if kind == "user":
            user = User.objects.filter(username=record["username"]).first()
            if user is None:
                user = User(**{f: record[f] for f in USER_FIELDS})
                user.set_unusable_password()
                user.save()
            users[user.username] = user
        elif kind == "member":
            Membership.objects.create(
                project=project,
                user=users[record["username"]],
                role=record["role"],
                is_control=record["is_control"],
            )
        elif kind == "document":
            fields = {f: record[f] for f in ["title", "text", "source", "kind", "external_id", "meta"]}
            digest = text_hash(record["text"])
            document = Document.objects.filter(corpus=project.corpus, content_hash=digest).first()
            if document is None:
                (document,) = Document.objects.bulk_create(
                    [
                        Document(
                            corpus=project.corpus,
                            content_hash=digest,
                            created_at=unstamp(record["created_at"]),
                            **fields,
                        )
                    ]
                )
            documents[record["key"]] = document
        elif kind == "suggestion":
            suggestions[record["key"]] = Suggestion.objects.create(
                project=project,
                document=documents[record["document"]],
                label=labels[tuple(record["label"])],
                created_at=unstamp(record["created_at"]),
                **{
                    f: record[f]
                    for f in ["start", "end", "score", "suggester", "suggester_version", "reason"]
                },
            )
        elif kind == "suggested_relation":
            SuggestedRelation.objects.create(
                project=project,
                document=documents[record["document"]],
                head=suggestions[record["head"]],
                tail=suggestions[record["tail"]],
                label=labels[tuple(record["label"])],
                created_at=unstamp(record["created_at"]),
                **{f: record[f] for f in ["suggester", "suggester_version", "score", "reason"]},
            )
        elif kind == "suggested_document_label":
            label = labels[tuple(record["label"])]
            SuggestedDocumentLabel.objects.create(
                project=project,
                document=documents[record["document"]],
                layer=label.layer,
                label=label,
                created_at=unstamp(record["created_at"]),
                **{f: record[f] for f in ["score", "reason", "sentences", "suggester", "suggester_version"]},
            )
        elif kind == "suggestion_run":
            SuggestionRun.objects.create(
                project=project,
                document=documents[record["document"]],
                created_at=unstamp(record["created_at"]),
                **{f: record[f] for f in ["suggester", "suggester_version", "status", "error"]},
            )
        elif kind == "annotation_set":
            restored = annotation_set_restore(project, record, documents, suggestions, users, labels)
            sets[(record["document"], record["annotator"], record["kind"])] = restored
        elif kind == "audit_event":
            ref = record["annotation_set"]
            AuditEvent.objects.create(
                project=project,
                annotation_set=sets[tuple(ref)] if ref else None,
                document=documents[record["document"]] if record["document"] else None,
                actor=users[record["actor"]] if record["actor"] else None,
                action=record["action"],
                before=record["before"],
                after=record["after"],
                at=unstamp(record["at"]),
            )
        else:
            raise invalid("file", f"line {number}: unknown record type '{kind}'.")
    if project is None:
        raise invalid("file", "The dump is empty.")
    return project, counts


def annotation_set_restore(
    project: Project,
    record: dict[str, Any],
    documents: dict[int, Document],
    suggestions: dict[int, Suggestion],
    users: dict[str, Any],
    labels: dict[tuple[str, str], Label],
) -> AnnotationSet:
    annotation_set = AnnotationSet.objects.create(
        project=project,
        document=documents[record["document"]],
        annotator=users[record["annotator"]],
        assigned_by=users[record["assigned_by"]] if record["assigned_by"] else None,
        created_at=unstamp(record["created_at"]),
        updated_at=unstamp(record["updated_at"]),
        submitted_at=unstamp(record["submitted_at"]),
        **{f: record[f] for f in ["kind", "status", "version", "skip_reason", "time_spent_seconds"]},
    )
    spans: dict[int, Span] = {}
    for row in record["spans"]:
        spans[row["key"]] = Span.objects.create(
            annotation_set=annotation_set,
            label=labels[tuple(row["label"])],
            created_at=unstamp(row["created_at"]),
            **{f: row[f] for f in ["start", "end", "step", "attributes", "origin", "score", "provenance"]},
        )
    for row in record["relations"]:
        Relation.objects.create(
            annotation_set=annotation_set,
            head=spans[row["head"]],
            tail=spans[row["tail"]],
            label=labels[tuple(row["label"])],
            provenance=row["provenance"],
            created_at=unstamp(row["created_at"]),
        )
    for row in record["document_labels"]:
        label = labels[tuple(row["label"])]
        document_label = DocumentLabel.objects.create(
            annotation_set=annotation_set,
            layer=label.layer,
            label=label,
            confidence=row["confidence"],
            provenance=row["provenance"],
            updated_at=unstamp(row["updated_at"]),
        )
        document_label.rationale.set([spans[key] for key in row["rationale"]])
    for row in record["comments"]:
        Comment.objects.create(
            annotation_set=annotation_set,
            span=spans[row["span"]] if row["span"] else None,
            flag=row["flag"],
            text=row["text"],
            created_at=unstamp(row["created_at"]),
        )
    for row in record["decisions"]:
        SuggestionDecision.objects.create(
            annotation_set=annotation_set,
            suggestion=suggestions[row["suggestion"]] if row["suggestion"] else None,
            span=spans[row["span"]] if row["span"] else None,
            label=labels[tuple(row["label"])],
            decided_by=users[row["decided_by"]],
            decided_at=unstamp(row["decided_at"]),
            **{f: row[f] for f in ["start", "end", "suggester", "suggester_version", "decision"]},
        )
    for row in record["gold_changes"]:
        GoldChange.objects.create(
            annotation_set=annotation_set,
            user=users[row["user"]],
            action=row["action"],
            data=row["data"],
            at=unstamp(row["at"]),
        )
    return annotation_set
