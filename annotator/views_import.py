"""The managers' upload page: import a file into the project's corpus and read the report."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from annotator.api.imports import ImportInput, import_options
from annotator.models import Label
from annotator.permissions import project_for_manager
from annotator.services.errors import NotAllowed
from annotator.services.uploads import (
    background_threshold,
    upload_delete,
    upload_get,
    upload_import,
    upload_store,
)
from corpus.importers import READERS

MAP_PREFIX = "map:"


def _label_map(post) -> str:
    """The mapping form's choices (`map:<source label>` → `layer:label`) as the API's JSON string."""
    import json

    chosen = {
        key.removeprefix(MAP_PREFIX): value
        for key, value in post.items()
        if key.startswith(MAP_PREFIX) and value
    }
    return json.dumps(chosen) if chosen else post.get("label_map", "")


@login_required
def import_page(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        project = project_for_manager(request.user, slug)
    except NotAllowed as error:
        raise Http404(str(error)) from error
    context = {
        "project": project,
        "formats": sorted(READERS),
        "members": project.members.order_by("username").values_list("username", flat=True),
        "labels": Label.objects.filter(layer__scheme=project.scheme)
        .select_related("layer")
        .order_by("layer__order", "order"),
        "values": request.POST,
        "errors": {},
    }
    if request.method == "POST":
        form = ImportInput(
            data={**request.POST.dict(), "label_map": _label_map(request.POST), **request.FILES.dict()}
        )
        if not form.is_valid():
            context["errors"] = form.errors
            return render(request, "annotator/import.html", context, status=400)
        options = import_options(form.validated_data)
        try:
            if form.validated_data.get("file"):
                file = form.validated_data["file"]
                upload = upload_store(
                    chunks=file.chunks(), name=file.name, project=project, user=request.user
                )
            else:
                upload = upload_get(token=form.validated_data["upload"], project=project, user=request.user)
        except NotAllowed as error:
            context["errors"] = {"file": [str(error)]}
            return render(request, "annotator/import.html", context, status=400)
        if upload.size > background_threshold():
            from annotator.tasks import import_upload

            task = import_upload.enqueue(project.pk, request.user.pk, upload.token, options.as_dict())
            context["task_url"] = reverse("api-import-status", args=[project.slug, task.id])
            return render(request, "annotator/import.html", context, status=202)
        result = upload_import(project=project, upload=upload, options=options)
        if not result["unknown_labels"]:
            upload_delete(upload)
        context["result"] = result
        context["unknown_kinds"] = {item["kind"] for item in result["unknown_labels"]}
        return render(request, "annotator/import.html", context, status=200 if result["ok"] else 400)
    return render(request, "annotator/import.html", context)
