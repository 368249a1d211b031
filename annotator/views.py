"""Server-rendered pages: project list, document queue, and the annotation workspace shell."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from annotator import selectors
from annotator.permissions import MANAGERS, has_role
from annotator.services.annotations import annotation_set_get_or_create
from annotator.services.errors import NotAllowed
from annotator.services.schemes import scheme_as_data


def _project_or_404(request: HttpRequest, slug: str):
    try:
        return selectors.project_get_for_user(request.user, slug)
    except NotAllowed as error:
        raise Http404(str(error)) from error


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    projects = selectors.project_list_for_user(request.user)
    return render(request, "annotator/project_list.html", {"projects": projects})


@login_required
def project_queue(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_or_404(request, slug)
    queue = selectors.document_queue(project, request.user)
    done = sum(1 for entry in queue if entry.status == "submitted")
    return render(
        request,
        "annotator/project_queue.html",
        {
            "project": project,
            "queue": queue,
            "done": done,
            "total": len(queue),
            "can_manage": has_role(project, request.user, MANAGERS),
        },
    )


@login_required
def workspace(request: HttpRequest, slug: str, document_id: int) -> HttpResponse:
    project = _project_or_404(request, slug)
    try:
        document = selectors.document_get_in_project(project, document_id)
    except NotAllowed as error:
        raise Http404(str(error)) from error
    try:
        annotation_set = annotation_set_get_or_create(project=project, document=document, user=request.user)
    except NotAllowed as error:
        raise Http404(str(error)) from error
    entries = selectors.document_queue(project, request.user)
    queue = [entry.document.pk for entry in entries]
    position = queue.index(document.pk)
    later = entries[position + 1 :] + entries[:position]
    next_open = next((entry.document.pk for entry in later if entry.status != "submitted"), None)
    config = {
        "documentId": document.pk,
        "annotationSetUrl": reverse("api-my-annotation-set", args=[project.slug, document.pk]),
        "annotationSetsUrl": reverse("api-annotation-set", args=[0]).removesuffix("0/"),
    }
    return render(
        request,
        "annotator/workspace.html",
        {
            "project": project,
            "document": document,
            "layers": selectors.project_scheme(project),
            "scheme": scheme_as_data(project.scheme)["layers"],
            "annotation_set": selectors.annotation_set_payload(annotation_set),
            "config": config,
            "position": position + 1,
            "total": len(queue),
            "done": sum(1 for entry in entries if entry.status == "submitted"),
            "next_open_id": next_open,
            "previous_id": queue[position - 1] if position > 0 else None,
            "next_id": queue[position + 1] if position + 1 < len(queue) else None,
        },
    )
