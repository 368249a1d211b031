"""API for the team workflow: assignment, skipping, progress, members, other people's work, curation."""

from collections.abc import Callable

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator import permissions, selectors, selectors_team
from annotator.api.serializers import RelationCreateInput, VersionedInput
from annotator.api.views import IF_MATCH, expected_version
from annotator.models import AnnotationSet
from annotator.services import assignment, curation
from annotator.services.agreement_report import project_agreement
from annotator.services.errors import NotAllowed


class AssignInput(serializers.Serializer):
    document = serializers.IntegerField()
    annotator = serializers.CharField()


class MemberInput(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.CharField()


class SkipInput(serializers.Serializer):
    version = serializers.IntegerField(required=False)
    reason = serializers.CharField(allow_blank=True)


class TimeInput(serializers.Serializer):
    seconds = serializers.IntegerField()


class CurationItemInput(serializers.Serializer):
    version = serializers.IntegerField(required=False)
    kind = serializers.ChoiceField(choices=curation.KINDS)
    id = serializers.IntegerField(
        help_text="The item's id in an annotator's set (accept, reject) or in the gold (remove)."
    )


class CurationSpanInput(VersionedInput):
    layer = serializers.CharField(help_text="The span layer's key.")
    label = serializers.CharField()
    start = serializers.IntegerField(help_text="Code-point offset of the first character.")
    end = serializers.IntegerField(help_text="Code-point offset after the last character.")


def _set_summary(annotation_set: AnnotationSet | None) -> dict | None:
    if annotation_set is None:
        return None
    return {
        "id": annotation_set.pk,
        "document": annotation_set.document_id,
        "annotator": annotation_set.annotator.get_username(),
        "status": annotation_set.status,
        "version": annotation_set.version,
        "assigned_by": annotation_set.assigned_by.get_username() if annotation_set.assigned_by else None,
        "skip_reason": annotation_set.skip_reason,
        "time_spent_seconds": annotation_set.time_spent_seconds,
    }


def _user(username: str):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotAllowed(f"No user '{username}'.")
    return user


class AssignNextApi(APIView):
    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        request=None,
        summary="Queue mode: your unfinished document, or the next one that needs you.",
    )
    def post(self, request: Request, slug: str) -> Response:
        project = selectors.project_get_for_user(request.user, slug)
        annotation_set = assignment.assign_next(project=project, user=request.user)
        return Response({"annotation_set": _set_summary(annotation_set)})


class AssignmentsApi(APIView):
    @extend_schema(
        responses=OpenApiTypes.OBJECT, request=AssignInput, summary="Manager: assign a document to a member."
    )
    def post(self, request: Request, slug: str) -> Response:
        project = permissions.project_for_manager(request.user, slug)
        data = AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        annotator = assignment.check_member(project, data.validated_data["annotator"])
        document = assignment.check_document(project, data.validated_data["document"])
        annotation_set = assignment.assign(
            project=project, document=document, annotator=annotator, by=request.user
        )
        return Response({"annotation_set": _set_summary(annotation_set)}, status=status.HTTP_201_CREATED)


class UnassignApi(APIView):
    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        request=AssignInput,
        summary="Manager: take an unsubmitted document back (to the pool).",
    )
    def post(self, request: Request, slug: str) -> Response:
        project = permissions.project_for_manager(request.user, slug)
        data = AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        annotator = assignment.check_member(project, data.validated_data["annotator"])
        document = assignment.check_document(project, data.validated_data["document"])
        assignment.unassign(project=project, document=document, annotator=annotator)
        return Response({"unassigned": True})


class MembersApi(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Manager: members with their role and progress.")
    def get(self, request: Request, slug: str) -> Response:
        project = permissions.project_for_manager(request.user, slug)
        return Response({"members": selectors_team.progress_by_annotator(project)})

    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        request=MemberInput,
        summary="Manager: add a member or change their role.",
    )
    def post(self, request: Request, slug: str) -> Response:
        project = permissions.project_for_manager(request.user, slug)
        data = MemberInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = _user(data.validated_data["username"])
        membership = assignment.member_set_role(project=project, user=user, role=data.validated_data["role"])
        return Response({"username": user.get_username(), "role": membership.role})


class MemberApi(APIView):
    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        summary="Manager: remove a member; their unsubmitted documents return to the pool.",
    )
    def delete(self, request: Request, slug: str, username: str) -> Response:
        project = permissions.project_for_manager(request.user, slug)
        user = _user(username)
        moved = assignment.member_remove(project=project, user=user, by=request.user)
        return Response({"returned_to_pool": moved})


class ProgressApi(APIView):
    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        summary="Manager: progress per document (filtered as on the manage page).",
    )
    def get(self, request: Request, slug: str) -> Response:
        project = permissions.project_for_manager(request.user, slug)
        spec = selectors_team.DocumentFilter(
            text=request.query_params.get("q", ""),
            status=request.query_params.get("status", ""),
            label=request.query_params.get("label", ""),
            annotator=request.query_params.get("annotator", ""),
            disagreement=request.query_params.get("disagreement") in ("1", "true"),
        )
        documents = list(selectors_team.documents_filtered(project, spec)[: selectors_team.PAGE_SIZE * 4])
        rows = selectors_team.progress_by_document(project, documents)
        return Response(
            {
                "annotators": selectors_team.progress_by_annotator(project),
                "documents": [
                    {"id": row.document.pk, "title": row.document.title, "sets": row.sets, "gold": row.gold}
                    for row in rows
                ],
            }
        )


class AgreementApi(APIView):
    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        summary="Manager: the project's agreement report (as `manage.py agreement --json`).",
    )
    def get(self, request: Request, slug: str) -> Response:
        project = permissions.project_for_manager(request.user, slug)
        return Response(project_agreement(project))


class DocumentAnnotationSetsApi(APIView):
    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        summary="The document's annotation sets you may read: yours, or everyone's if not blind.",
    )
    def get(self, request: Request, slug: str, document_id: int) -> Response:
        project = selectors.project_get_for_user(request.user, slug)
        document = selectors.document_get_in_project(project, document_id)
        sets = permissions.visible_annotation_sets(project, request.user).filter(document=document)
        return Response({"annotation_sets": [selectors.annotation_set_payload(s) for s in sets]})


class SkipApi(APIView):
    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        request=SkipInput,
        parameters=[IF_MATCH],
        summary="Skip a document with a reason.",
    )
    def post(self, request: Request, set_id: int) -> Response:
        annotation_set = selectors.annotation_set_for_user(request.user, set_id)
        data = SkipInput(data=request.data)
        data.is_valid(raise_exception=True)
        assignment.skip(
            annotation_set=annotation_set,
            version=expected_version(request),
            reason=data.validated_data["reason"],
        )
        return Response({"version": annotation_set.version, "status": annotation_set.status})


class TimeSpentApi(APIView):
    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        request=TimeInput,
        summary="Add seconds spent on a document (the workspace reports them).",
    )
    def post(self, request: Request, set_id: int) -> Response:
        annotation_set = selectors.annotation_set_for_user(request.user, set_id)
        data = TimeInput(data=request.data)
        data.is_valid(raise_exception=True)
        total = assignment.time_add(annotation_set=annotation_set, seconds=data.validated_data["seconds"])
        return Response({"time_spent_seconds": total})


def _gold(request: Request, slug: str, document_id: int) -> AnnotationSet:
    project = permissions.project_for_curator(request.user, slug)
    document = selectors.document_get_in_project(project, document_id)
    return curation.curation_start(project=project, document=document, curator=request.user)


class CurationApi(APIView):
    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        summary="Curator: the document's gold (opened and auto-merged on first access), versions, conflicts.",
    )
    def get(self, request: Request, slug: str, document_id: int) -> Response:
        return Response(selectors_team.curation_payload(_gold(request, slug, document_id)))


class CurationItemApi(APIView):
    """Accept, reject or remove one item; `action` comes from the URL."""

    action = ""

    @extend_schema(responses=OpenApiTypes.OBJECT, request=CurationItemInput, parameters=[IF_MATCH])
    def post(self, request: Request, slug: str, document_id: int) -> Response:
        gold = _gold(request, slug, document_id)
        data = CurationItemInput(data=request.data)
        data.is_valid(raise_exception=True)
        kind, item = data.validated_data["kind"], data.validated_data["id"]
        version = expected_version(request)
        if self.action == "remove":
            curation.curation_remove(gold=gold, version=version, curator=request.user, kind=kind, item=item)
        else:
            service = curation.curation_accept if self.action == "accept" else curation.curation_reject
            service(gold=gold, version=version, curator=request.user, kind=kind, source=item)
        return Response(selectors_team.curation_payload(gold))


class CurationStatusApi(APIView):
    """Submit or reopen the gold; `action` comes from the URL."""

    action = ""

    @extend_schema(responses=OpenApiTypes.OBJECT, request=None, parameters=[IF_MATCH])
    def post(self, request: Request, slug: str, document_id: int) -> Response:
        gold = _gold(request, slug, document_id)
        service = curation.curation_submit if self.action == "submit" else curation.curation_reopen
        service(gold=gold, version=expected_version(request), curator=request.user)
        return Response(selectors_team.curation_payload(gold))


def _curation_add(
    request: Request,
    slug: str,
    document_id: int,
    input_class: type[serializers.Serializer],
    service: Callable[..., object],
) -> Response:
    """Validate the body with `input_class`, add to the gold with `service`, answer the new curation state."""
    gold = _gold(request, slug, document_id)
    data = input_class(data=request.data)
    data.is_valid(raise_exception=True)
    fields = {k: v for k, v in data.validated_data.items() if k != "version"}
    service(gold=gold, version=expected_version(request), curator=request.user, **fields)
    return Response(selectors_team.curation_payload(gold), status=status.HTTP_201_CREATED)


class CurationSpanAddApi(APIView):
    @extend_schema(
        responses={201: OpenApiTypes.OBJECT},
        request=CurationSpanInput,
        parameters=[IF_MATCH],
        summary="Curator: add a span no annotator made to the gold (code-point offsets).",
    )
    def post(self, request: Request, slug: str, document_id: int) -> Response:
        return _curation_add(request, slug, document_id, CurationSpanInput, curation.curation_add_span)


class CurationRelationAddApi(APIView):
    @extend_schema(
        responses={201: OpenApiTypes.OBJECT},
        request=RelationCreateInput,
        parameters=[IF_MATCH],
        summary="Curator: link two gold spans (ids in the gold) with a new relation.",
    )
    def post(self, request: Request, slug: str, document_id: int) -> Response:
        return _curation_add(request, slug, document_id, RelationCreateInput, curation.curation_add_relation)
