"""A manager's project settings: assignment mode, overlap, blind annotation, merging, controls."""

from typing import Any

from annotator.models import Membership, Project
from annotator.services.errors import invalid

MAX_OVERLAP = 50


def project_settings_update(
    *,
    project: Project,
    assignment: Any,
    annotators_per_document: Any,
    blind_annotation: Any,
    merge_threshold: Any,
) -> Project:
    """Check and store the workflow settings; nothing changes if one of them is wrong."""
    if assignment not in Project.Assignment.values:
        raise invalid("assignment", f"assignment must be one of {', '.join(Project.Assignment.values)}.")
    try:
        overlap = int(annotators_per_document)
    except (TypeError, ValueError):
        overlap = 0
    if not 1 <= overlap <= MAX_OVERLAP:
        raise invalid("annotators_per_document", f"annotators per document must be from 1 to {MAX_OVERLAP}.")
    try:
        threshold = float(merge_threshold)
    except (TypeError, ValueError):
        threshold = -1.0
    if not 0 < threshold <= 1:
        raise invalid("merge_threshold", "the merge threshold is a share above 0 and at most 1 (1 = all).")
    project.assignment = assignment
    project.annotators_per_document = overlap
    project.blind_annotation = bool(blind_annotation)
    project.merge_threshold = threshold
    project.save(
        update_fields=["assignment", "annotators_per_document", "blind_annotation", "merge_threshold"]
    )
    return project


def membership_set_control(*, project: Project, username: str, is_control: bool) -> Membership:
    """A control annotator never sees suggestions, so the report can measure their pull."""
    membership = Membership.objects.filter(project=project, user__username=username).first()
    if membership is None:
        raise invalid("username", f"'{username}' is not a member of project '{project.slug}'.")
    membership.is_control = is_control
    membership.save(update_fields=["is_control"])
    return membership
