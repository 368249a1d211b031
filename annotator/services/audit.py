"""The audit log: every change to annotations and gold, recorded by the service that made it.

`audit_record` runs inside the service's transaction, so an event exists exactly when its change
does. Events are never updated or deleted by the app (the admin is read-only).
"""

from typing import Any

from django.db import models
from django.forms.models import model_to_dict

from annotator import plain_sql as sql
from annotator.models import AnnotationSet, AuditEvent


def audit_snapshot(value: Any, **known: Any) -> Any:
    """A JSON-safe picture of a row (its fields, foreign keys as ids) or of plain data.

    `known` gives fields the caller already has (a many-to-many's ids, say), so they are not read again.
    """
    if isinstance(value, models.QuerySet):
        return [audit_snapshot(row) for row in value]
    if isinstance(value, models.Model):
        data = model_to_dict(value, exclude=list(known)) | known
        data["id"] = value.pk
        return {k: [getattr(i, "pk", i) for i in v] if isinstance(v, list) else v for k, v in data.items()}
    return value


def audit_event(
    actor: Any, annotation_set: AnnotationSet, action: str, before: Any, after: Any
) -> AuditEvent:
    """The (unsaved) event recording `action` on the set by `actor` (None: the set's annotator)."""
    return AuditEvent(
        project_id=annotation_set.project_id,
        annotation_set_id=annotation_set.pk,
        document_id=annotation_set.document_id,
        # The annotator's id is on the set already; loading the user would cost a query per write.
        actor_id=actor.pk if actor is not None else annotation_set.annotator_id,
        action=action,
        before=audit_snapshot(before),
        after=audit_snapshot(after),
    )


def audit_record(
    actor: Any, annotation_set: AnnotationSet, action: str, before: Any, after: Any
) -> AuditEvent:
    """Record `action` on the set by `actor` (None: the set's annotator) with what changed."""
    # A plain insert (see annotator.plain_sql): every write adds one of these.
    return sql.insert(audit_event(actor, annotation_set, action, before, after))


def audit_changed(actor: Any, row: models.Model, action: str) -> AuditEvent:
    """Record an update of `row` before it is saved: the stored row is before, the instance after."""
    stored = type(row).objects.filter(pk=row.pk).first()
    return audit_record(actor, row.annotation_set, action, stored, row)


def audit_created(actor: Any, row: Any, action: str) -> Any:
    """Record a new row and return it, so a service can `return audit_created(None, X.create(...), ...)`."""
    audit_record(actor, row.annotation_set, action, None, row)
    return row
