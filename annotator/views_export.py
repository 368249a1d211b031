"""The managers' export page: pick a format, export the gold, download it."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from annotator.exporters import EXPORTERS
from annotator.permissions import project_for_manager
from annotator.services.errors import NotAllowed
from annotator.services.exports import export_list


@login_required
def export_page(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        project = project_for_manager(request.user, slug)
    except NotAllowed as error:
        raise Http404(str(error)) from error
    formats = [(name, exporter.description) for name, exporter in EXPORTERS.items()]
    config = {"exportsUrl": reverse("api-exports", args=[project.slug])}
    return render(
        request,
        "annotator/export.html",
        {"project": project, "formats": formats, "files": export_list(project), "config": config},
    )
