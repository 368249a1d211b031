"""Report pages for staff and project managers."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from annotator.models import Membership, Project
from annotator.services.suggestion_report import suggestion_report


def report_project(user: AbstractBaseUser, slug: str) -> Project:
    """The project for staff, or for a manager of it; anyone else gets 404, as if it did not exist."""
    projects = Project.objects.select_related("scheme").filter(slug=slug)
    if not (user.is_staff or user.is_superuser):
        projects = projects.filter(memberships__user=user, memberships__role=Membership.Role.MANAGER)
    project = projects.first()
    if project is None:
        raise Http404(f"No project '{slug}' of yours.")
    return project


@login_required
def suggestions(request: HttpRequest, slug: str) -> HttpResponse:
    """How good the project's suggestions are, and whether they pull annotators towards them."""
    project = report_project(request.user, slug)
    report = suggestion_report(project)
    return render(
        request,
        "annotator/suggestion_report.html",
        {"project": project, "report": report, "seeing": report.groups[0], "control": report.groups[1]},
    )
