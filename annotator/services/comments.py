"""Comments and flags ("unsure", "bad document") on a span or on the whole document."""

from typing import Any

from django.db import transaction

from annotator.models import AnnotationSet, Comment
from annotator.services.annotations import annotation_set_advance, check_spans_in_set
from annotator.services.audit import audit_created, audit_record
from annotator.services.errors import invalid

MAX_COMMENT_LENGTH = 5000


def check_flag(flag: Any) -> str:
    if flag is None:
        return Comment.Flag.NONE
    if flag not in Comment.Flag.values:
        choices = ", ".join(f"'{value}'" for value in Comment.Flag.values if value)
        raise invalid("flag", f"flag must be one of {choices} or empty.", "unknown_flag")
    return flag


@transaction.atomic
def comment_create(
    *, annotation_set: AnnotationSet, version: Any, text: Any = "", flag: Any = None, span: Any = None
) -> Comment:
    """Attach a note or a flag to a span of the set, or to the document when `span` is None."""
    flag = check_flag(flag)
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise invalid("text", "text must be a string.")
    text = text.strip()
    if len(text) > MAX_COMMENT_LENGTH:
        raise invalid("text", f"text is {len(text)} characters; at most {MAX_COMMENT_LENGTH} are kept.")
    if not text and not flag:
        raise invalid("text", "Write a comment or choose a flag.", "required")
    target = check_spans_in_set(annotation_set, [span], "span")[0] if span is not None else None
    # Comments and flags are allowed on submitted work too: "bad document" often comes last.
    annotation_set_advance(annotation_set, version)
    created = Comment.objects.create(annotation_set=annotation_set, span=target, text=text, flag=flag)
    return audit_created(None, created, "comment.create")


@transaction.atomic
def comment_delete(*, comment: Comment, version: Any) -> None:
    annotation_set_advance(comment.annotation_set, version)
    audit_record(None, comment.annotation_set, "comment.delete", comment, None)
    comment.delete()


def comment_record(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "span": comment.span_id,
        "flag": comment.flag,
        "text": comment.text,
        "created_at": comment.created_at.isoformat(),
    }
