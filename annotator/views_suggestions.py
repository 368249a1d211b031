"""The managers' page for pre-annotating a project, with live progress."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from annotator.permissions import project_for_manager
from annotator.services.errors import NotAllowed
from annotator.services.suggestion_jobs import suggestion_progress


@login_required
def suggestion_job(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        project = project_for_manager(request.user, slug)
    except NotAllowed as error:
        raise Http404(str(error)) from error
    progress = suggestion_progress(project)
    config = {"jobUrl": reverse("api-suggestion-job", args=[project.slug])}
    return render(
        request,
        "annotator/suggestion_job.html",
        {"project": project, "progress": progress, "config": config},
    )
