"""Pages for managers and curators: the manage page, the agreement page and the curation page."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from annotator import permissions, selectors, selectors_team
from annotator.models import Membership, Project
from annotator.services import assignment, curation, projects
from annotator.services.agreement_report import project_agreement
from annotator.services.errors import NotAllowed
from annotator.services.schemes import scheme_as_data


def _or_404(find: Callable[[], object]):
    try:
        return find()
    except NotAllowed as error:
        raise Http404(str(error)) from error


def _manage_action(request: HttpRequest, project: Project) -> None:
    """Run the form that was posted: assign, unassign, set a role or remove a member."""
    action = request.POST.get("action")
    username = request.POST.get("annotator") or request.POST.get("username") or ""
    if action == "settings":
        projects.project_settings_update(
            project=project,
            assignment=request.POST.get("assignment"),
            annotators_per_document=request.POST.get("annotators_per_document"),
            blind_annotation=request.POST.get("blind_annotation") == "on",
            merge_threshold=request.POST.get("merge_threshold"),
        )
        messages.success(request, "Project settings saved.")
        return
    if action == "control":
        membership = projects.membership_set_control(
            project=project, username=username, is_control=request.POST.get("is_control") == "on"
        )
        state = "a control (sees no suggestions)" if membership.is_control else "no longer a control"
        messages.success(request, f"{username} is {state}.")
        return
    if action in ("assign", "unassign"):
        annotator = assignment.check_member(project, username)
        raw = request.POST.get("document", "")
        document = assignment.check_document(project, int(raw) if raw.isdigit() else raw)
        if action == "assign":
            assignment.assign(project=project, document=document, annotator=annotator, by=request.user)
            messages.success(request, f"Document {document.pk} assigned to {username}.")
        else:
            assignment.unassign(project=project, document=document, annotator=annotator)
            messages.success(request, f"Document {document.pk} taken back from {username}.")
        return
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValidationError({"username": f"No user '{username}'."})
    if action == "role":
        assignment.member_set_role(project=project, user=user, role=request.POST.get("role"))
        messages.success(request, f"{username} is now {request.POST.get('role')}.")
    elif action == "remove":
        moved = assignment.member_remove(project=project, user=user, by=request.user)
        messages.success(request, f"{username} removed; {moved} unfinished documents returned to the pool.")


@login_required
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    project = _or_404(lambda: permissions.project_for_manager(request.user, slug))
    if request.method == "POST":
        try:
            _manage_action(request, project)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(request.get_full_path())
    spec = selectors_team.DocumentFilter(
        text=request.GET.get("q", "").strip(),
        status=request.GET.get("status", ""),
        label=request.GET.get("label", ""),
        annotator=request.GET.get("annotator", ""),
        disagreement=bool(request.GET.get("disagreement")),
    )
    page = Paginator(selectors_team.documents_filtered(project, spec), selectors_team.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    labels = sorted(
        {label.value for layer in selectors.project_scheme(project) for label in layer.labels.all()}
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "annotator/manage.html",
        {
            "project": project,
            "members": selectors_team.progress_by_annotator(project),
            "documents": selectors_team.progress_by_document(project, list(page.object_list)),
            "page": page,
            "query": query.urlencode(),
            "spec": spec,
            "labels": labels,
            "statuses": selectors_team.DOCUMENT_STATUSES,
            "roles": Membership.Role.choices,
            "assignment_modes": Project.Assignment.choices,
        },
    )


def _heat(count: int, top: int) -> str:
    """A blue whose strength follows the count (white for none)."""
    share = count / top if top else 0
    return f"rgba(26, 86, 219, {0.08 + 0.8 * share:.2f})" if count else "#fff"


@login_required
def agreement(request: HttpRequest, slug: str) -> HttpResponse:
    project = _or_404(lambda: permissions.project_for_manager(request.user, slug))
    report = project_agreement(project)
    confusion = report["stance"]["confusion"]
    heatmap = []
    if confusion["matrix"]:
        top = max((value for row in confusion["matrix"] for value in row), default=0)
        heatmap = [
            {"label": label, "cells": [{"count": value, "color": _heat(value, top)} for value in row]}
            for label, row in zip(confusion["labels"], confusion["matrix"], strict=True)
        ]
    bars = [
        {
            "layer": layer,
            "label": label,
            "f1": values["exact"]["f1"],
            "overlap": values["overlap"]["f1"],
            "width": round(100 * (values["exact"]["f1"] or 0)),
            "overlap_width": round(100 * (values["overlap"]["f1"] or 0)),
        }
        for layer, layer_report in report["spans"].items()
        for label, values in layer_report["per_label"].items()
    ]
    return render(
        request,
        "annotator/agreement.html",
        {"project": project, "report": report, "heatmap": heatmap, "confusion": confusion, "bars": bars},
    )


@login_required
def curate(request: HttpRequest, slug: str, document_id: int) -> HttpResponse:
    project = _or_404(lambda: permissions.project_for_curator(request.user, slug))
    document = _or_404(lambda: selectors.document_get_in_project(project, document_id))
    gold = curation.curation_start(project=project, document=document, curator=request.user)
    config = {
        "curationUrl": reverse("api-curation", args=[project.slug, document.pk]),
        "manageUrl": reverse("annotator:project-manage", args=[project.slug]),
    }
    return render(
        request,
        "annotator/curate.html",
        {
            "project": project,
            "document": document,
            "config": config,
            "scheme": scheme_as_data(project.scheme)["layers"],
            "payload": selectors_team.curation_payload(gold),
        },
    )


@login_required
def queue_next(request: HttpRequest, slug: str) -> HttpResponse:
    """Queue mode: open the annotator's unfinished document or the next one that needs them."""
    project = _or_404(lambda: selectors.project_get_for_user(request.user, slug))
    if request.method != "POST":
        return redirect("annotator:project-queue", slug=project.slug)
    try:
        annotation_set = assignment.assign_next(project=project, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        annotation_set = None
    if annotation_set is None:
        messages.info(request, "No document needs you right now.")
        return redirect("annotator:project-queue", slug=project.slug)
    return redirect("annotator:workspace", slug=project.slug, document_id=annotation_set.document_id)
