"""Who may do what in a project; every refusal is NotAllowed, which the API and pages answer with 404.

Admin (superuser): everything. Manager: members, assignment, progress, agreement and curation of
their projects. Curator: curation of their projects. Annotator: the documents the project's
assignment mode gives them, and only their own work while the project is blind.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from annotator.models import AnnotationSet, Membership, Project
from annotator.selectors import project_get_for_user
from annotator.services.errors import NotAllowed

MANAGERS = frozenset({Membership.Role.MANAGER})
CURATORS = frozenset({Membership.Role.CURATOR, Membership.Role.MANAGER})


def has_role(project: Project, user: AbstractBaseUser, roles: frozenset[str]) -> bool:
    """True for superusers and for members whose role is one of `roles`."""
    if user.is_superuser:
        return True
    role = getattr(project, "role", None)
    if role is None:
        role = Membership.objects.filter(project=project, user=user).values_list("role", flat=True).first()
    return role in roles


def project_for_roles(user: AbstractBaseUser, slug: str, roles: frozenset[str]) -> Project:
    """The project if the user holds one of `roles` in it (or is an admin), else NotAllowed."""
    project = project_get_for_user(user, slug)
    if not has_role(project, user, roles):
        raise NotAllowed(f"No project '{slug}' of yours.")
    return project


def project_for_manager(user: AbstractBaseUser, slug: str) -> Project:
    return project_for_roles(user, slug, MANAGERS)


def project_for_curator(user: AbstractBaseUser, slug: str) -> Project:
    return project_for_roles(user, slug, CURATORS)


def sees_others_work(project: Project, user: AbstractBaseUser) -> bool:
    """Curators, managers and admins always; annotators only when the project is not blind."""
    return not project.blind_annotation or has_role(project, user, CURATORS)


def check_may_start(project: Project, user: AbstractBaseUser) -> None:
    """Starting work on a document without an assignment is for open projects (and admins) only."""
    if project.assignment != Project.Assignment.OPEN and not user.is_superuser:
        raise NotAllowed("This document is not assigned to you.")


def visible_annotation_sets(project: Project, user: AbstractBaseUser) -> QuerySet[AnnotationSet]:
    """The annotation sets (not gold) of the project the user may read: their own, or all if not blind."""
    sets = AnnotationSet.objects.filter(project=project, kind=AnnotationSet.Kind.ANNOTATION)
    if sees_others_work(project, user):
        return sets
    return sets.filter(annotator=user)
