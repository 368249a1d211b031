"""Who annotates which document: the queue, a manager's explicit assignment, leaving, skipping.

An assigned document is an annotation set in progress; `assigned_by` says who assigned it.
Skipped sets keep their reason and no longer count towards the project's overlap.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q

from annotator.models import AnnotationSet, Membership, Project
from annotator.services.annotations import annotation_set_advance
from annotator.services.audit import audit_record
from annotator.services.errors import invalid
from corpus.models import Document

MAX_SKIP_REASON = 500
MAX_TIME_STEP = 3600  # one report of time spent counts at most an hour
COUNTING = [AnnotationSet.Status.IN_PROGRESS, AnnotationSet.Status.SUBMITTED]


def _annotation_sets(project: Project):
    return AnnotationSet.objects.filter(project=project, kind=AnnotationSet.Kind.ANNOTATION)


def check_member(project: Project, username: Any) -> AbstractBaseUser:
    """The project member called `username`."""
    if not isinstance(username, str) or not username:
        raise invalid("annotator", "annotator is required: a username.", "required")
    user = get_user_model().objects.filter(username=username, memberships__project=project).first()
    if user is None:
        raise invalid("annotator", f"'{username}' is not a member of project '{project.slug}'.", "not_member")
    return user


def check_document(project: Project, document_id: Any) -> Document:
    if isinstance(document_id, bool) or not isinstance(document_id, int):
        raise invalid("document", "document must be a document id.")
    document = Document.objects.filter(corpus_id=project.corpus_id, pk=document_id).first()
    if document is None:
        raise invalid(
            "document", f"No document {document_id} in project '{project.slug}'.", "unknown_document"
        )
    return document


def assign_next(*, project: Project, user: AbstractBaseUser) -> AnnotationSet | None:
    """Give the user their unfinished document, else the next one that still lacks annotators.

    Among documents the user has not had, those closest to the overlap come first (then by id),
    so every document reaches `annotators_per_document` before fresh ones are started.
    """
    if project.assignment != Project.Assignment.QUEUE:
        raise invalid("assignment", f"Project '{project.slug}' does not hand out documents from a queue.")
    mine = _annotation_sets(project).filter(annotator=user)
    unfinished = mine.filter(status=AnnotationSet.Status.IN_PROGRESS).order_by("document_id").first()
    if unfinished is not None:
        return unfinished
    candidates = (
        Document.objects.filter(corpus_id=project.corpus_id)
        .exclude(pk__in=mine.values("document_id"))
        .annotate(
            taken=Count(
                "annotation_sets",
                filter=Q(
                    annotation_sets__project=project,
                    annotation_sets__kind=AnnotationSet.Kind.ANNOTATION,
                    annotation_sets__status__in=COUNTING,
                ),
            )
        )
        .filter(taken__lt=project.annotators_per_document)
        .order_by("-taken", "id")
        .values_list("id", flat=True)
    )
    for document_id in candidates[:5]:
        try:
            with transaction.atomic():
                return AnnotationSet.objects.create(
                    project=project, document_id=document_id, annotator=user, assigned_by=user
                )
        except IntegrityError:  # taken by a second tab at the same moment; try the next one
            continue
    return None


@transaction.atomic
def assign(
    *, project: Project, document: Document, annotator: AbstractBaseUser, by: AbstractBaseUser
) -> AnnotationSet:
    """Assign a document to a member; a document they skipped is given back to them."""
    if not Membership.objects.filter(project=project, user=annotator).exists():
        raise invalid(
            "annotator", f"'{annotator}' is not a member of project '{project.slug}'.", "not_member"
        )
    existing = _annotation_sets(project).filter(document=document, annotator=annotator).first()
    if existing is not None and existing.status != AnnotationSet.Status.SKIPPED:
        raise invalid(
            "document",
            f"Document {document.pk} is already {existing.get_status_display().lower()} by {annotator}.",
            "already_assigned",
        )
    if existing is not None:
        existing.status, existing.skip_reason, existing.assigned_by = AnnotationSet.Status.IN_PROGRESS, "", by
        existing.save(update_fields=["status", "skip_reason", "assigned_by", "updated_at"])
        return existing
    return AnnotationSet.objects.create(
        project=project, document=document, annotator=annotator, assigned_by=by
    )


@transaction.atomic
def unassign(*, project: Project, document: Document, annotator: AbstractBaseUser) -> None:
    """Take an unsubmitted document back from an annotator; it returns to the pool."""
    existing = _annotation_sets(project).filter(document=document, annotator=annotator).first()
    if existing is None:
        raise invalid("document", f"Document {document.pk} is not assigned to {annotator}.", "not_assigned")
    if existing.status == AnnotationSet.Status.SUBMITTED:
        raise invalid("document", "Submitted work is kept; it cannot be unassigned.", "submitted")
    existing.delete()


@transaction.atomic
def reassign(
    *,
    project: Project,
    from_user: AbstractBaseUser,
    to_user: AbstractBaseUser | None,
    by: AbstractBaseUser,
) -> int:
    """Move someone's unsubmitted documents to `to_user` (their work comes along) or back to the pool.

    Documents `to_user` already has go back to the pool. Returns how many documents moved.
    """
    unfinished = _annotation_sets(project).filter(
        annotator=from_user, status=AnnotationSet.Status.IN_PROGRESS
    )
    moved = 0
    taken = (
        set(_annotation_sets(project).filter(annotator=to_user).values_list("document_id", flat=True))
        if (to_user is not None)
        else set()
    )
    for annotation_set in unfinished:
        if to_user is not None and annotation_set.document_id not in taken:
            annotation_set.annotator, annotation_set.assigned_by = to_user, by
            annotation_set.version = F("version") + 1
            annotation_set.save(update_fields=["annotator", "assigned_by", "version", "updated_at"])
        else:
            annotation_set.delete()
        moved += 1
    return moved


@transaction.atomic
def member_set_role(*, project: Project, user: AbstractBaseUser, role: Any) -> Membership:
    """Add the user to the project with `role`, or change their role."""
    if role not in Membership.Role.values:
        raise invalid("role", f"role must be one of {', '.join(Membership.Role.values)}.", "unknown_role")
    membership, _ = Membership.objects.update_or_create(project=project, user=user, defaults={"role": role})
    return membership


@transaction.atomic
def member_remove(*, project: Project, user: AbstractBaseUser, by: AbstractBaseUser) -> int:
    """Remove a member; their unsubmitted documents go back to the pool, submitted work stays."""
    if not Membership.objects.filter(project=project, user=user).exists():
        raise invalid("username", f"'{user}' is not a member of project '{project.slug}'.", "not_member")
    moved = reassign(project=project, from_user=user, to_user=None, by=by)
    Membership.objects.filter(project=project, user=user).delete()
    return moved


@transaction.atomic
def skip(*, annotation_set: AnnotationSet, version: Any, reason: Any) -> AnnotationSet:
    """Give a document up with a reason; it goes back to the pool for the others."""
    if not isinstance(reason, str) or not reason.strip():
        raise invalid("reason", "Say why you skip this document.", "required")
    reason = reason.strip()
    if len(reason) > MAX_SKIP_REASON:
        raise invalid("reason", f"reason is {len(reason)} characters; at most {MAX_SKIP_REASON} are kept.")
    if annotation_set.status != AnnotationSet.Status.IN_PROGRESS:
        raise invalid("status", "Only a document in progress can be skipped.", "not_in_progress")
    annotation_set_advance(annotation_set, version)
    audit_record(None, annotation_set, "annotation_set.skip", annotation_set.status, {"skipped": reason})
    annotation_set.status, annotation_set.skip_reason = AnnotationSet.Status.SKIPPED, reason
    annotation_set.save(update_fields=["status", "skip_reason"])
    return annotation_set


def time_add(*, annotation_set: AnnotationSet, seconds: Any) -> int:
    """Add the seconds the annotator spent on the document (at most an hour per report)."""
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 < seconds <= MAX_TIME_STEP:
        raise invalid("seconds", f"seconds must be a whole number from 1 to {MAX_TIME_STEP}.")
    AnnotationSet.objects.filter(pk=annotation_set.pk).update(
        time_spent_seconds=F("time_spent_seconds") + seconds
    )
    annotation_set.refresh_from_db(fields=["time_spent_seconds"])
    return annotation_set.time_spent_seconds
