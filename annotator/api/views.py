"""API views: parse → service or selector → output. Nothing else happens here."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator import selectors
from annotator.api import serializers as s
from annotator.exporters.records import document_label_record, document_record, relation_record, span_record
from annotator.services import annotations as services
from annotator.services import comments, suggestion_review
from corpus.models import Document

IF_MATCH = OpenApiParameter(
    "If-Match",
    location=OpenApiParameter.HEADER,
    required=False,
    description="The annotation set version the change is based on (instead of `version`).",
)


def expected_version(request: Request) -> object:
    """The version a write is based on: `version` in the body, the If-Match header, or ?version=."""
    raw = request.data.get("version") if hasattr(request.data, "get") else None
    if raw is None:
        raw = request.headers.get("If-Match", request.query_params.get("version"))
        if isinstance(raw, str):
            raw = raw.removeprefix("W/").strip('"')
    if raw is None:
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw)
    raise ValidationError({"version": "version must be a whole number."})


class ProjectListApi(GenericAPIView):
    serializer_class = s.ProjectOutput

    def get_queryset(self) -> QuerySet:  # also asked for by the browsable API's HTML page
        return selectors.project_list_for_user(self.request.user)

    @extend_schema(operation_id="projects_list", responses=s.ProjectOutput(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.ProjectOutput(page, many=True).data)


class ProjectDetailApi(APIView):
    @extend_schema(responses=s.ProjectDetailOutput)
    def get(self, request: Request, slug: str) -> Response:
        project = selectors.project_get_for_user(request.user, slug)
        project.layers = selectors.project_scheme(project)
        return Response(s.ProjectDetailOutput(project).data)


class DocumentQueueApi(GenericAPIView):
    serializer_class = s.QueueEntryOutput

    def get_queryset(self) -> list[selectors.QueueEntry]:  # also asked for by the browsable API's page
        project = selectors.project_get_for_user(self.request.user, self.kwargs["slug"])
        return selectors.document_queue(project, self.request.user)

    @extend_schema(operation_id="projects_documents_list", responses=s.QueueEntryOutput(many=True))
    def get(self, request: Request, slug: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.QueueEntryOutput(page, many=True).data)


class DocumentDetailApi(APIView):
    @extend_schema(responses=s.DocumentOutput)
    def get(self, request: Request, slug: str, document_id: int) -> Response:
        _, document = selectors.project_document_for_user(request.user, slug, document_id)
        return Response(document_record(document))


def my_annotation_set(request: Request, slug: str, document_id: int) -> tuple[Document, dict]:
    """The document and the requester's annotation set on it (started on first access), as shown."""
    project, document = selectors.project_document_for_user(request.user, slug, document_id)
    annotation_set, started = services.annotation_set_open(
        project=project, document=document, user=request.user
    )
    # The set is the requester's own, so their control flag says whether they see suggestions.
    return document, selectors.annotation_set_payload(
        annotation_set, sees=not project.is_control, empty=started
    )


class MyAnnotationSetApi(APIView):
    @extend_schema(
        responses=s.AnnotationSetOutput,
        summary="Your annotation set for a document (started on first access).",
    )
    def get(self, request: Request, slug: str, document_id: int) -> Response:
        return Response(my_annotation_set(request, slug, document_id)[1])


class DocumentWorkspaceApi(APIView):
    @extend_schema(
        responses=s.WorkspaceOutput,
        summary="Open a document to annotate: the document and your annotation set, in one call.",
    )
    def get(self, request: Request, slug: str, document_id: int) -> Response:
        document, annotation_set = my_annotation_set(request, slug, document_id)
        return Response({"document": document_record(document), "annotation_set": annotation_set})


class AnnotationSetDetailApi(APIView):
    @extend_schema(responses=s.AnnotationSetOutput)
    def get(self, request: Request, set_id: int) -> Response:
        annotation_set = selectors.annotation_set_for_user(request.user, set_id)
        return Response(selectors.annotation_set_payload(annotation_set))


class SpanCreateApi(APIView):
    @extend_schema(request=s.SpanCreateInput, responses={201: s.SpanWriteOutput}, parameters=[IF_MATCH])
    def post(self, request: Request, set_id: int) -> Response:
        annotation_set = selectors.annotation_set_for_user(request.user, set_id)
        data = s.SpanCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k != "version"}
        span = services.span_create(
            annotation_set=annotation_set, version=expected_version(request), **fields
        )
        return Response(
            {"version": annotation_set.version, "span": span_record(span, annotation_set.document.text)},
            status=status.HTTP_201_CREATED,
        )


class SpanDetailApi(APIView):
    @extend_schema(request=s.SpanUpdateInput, responses=s.SpanWriteOutput, parameters=[IF_MATCH])
    def patch(self, request: Request, set_id: int, span_id: int) -> Response:
        span = selectors.span_for_user(request.user, set_id, span_id)
        data = s.SpanUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = {k: v for k, v in data.validated_data.items() if k != "version"}
        span = services.span_update(span=span, version=expected_version(request), changes=changes)
        return Response(
            {
                "version": span.annotation_set.version,
                "span": span_record(span, span.annotation_set.document.text),
            }
        )

    @extend_schema(responses=s.VersionOutput, parameters=[IF_MATCH])
    def delete(self, request: Request, set_id: int, span_id: int) -> Response:
        span = selectors.span_for_user(request.user, set_id, span_id)
        annotation_set = span.annotation_set
        services.span_delete(span=span, version=expected_version(request))
        return Response({"version": annotation_set.version, "status": annotation_set.status})


class RelationCreateApi(APIView):
    @extend_schema(
        request=s.RelationCreateInput, responses={201: s.RelationWriteOutput}, parameters=[IF_MATCH]
    )
    def post(self, request: Request, set_id: int) -> Response:
        annotation_set = selectors.annotation_set_for_user(request.user, set_id)
        data = s.RelationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k != "version"}
        relation = services.relation_create(
            annotation_set=annotation_set, version=expected_version(request), **fields
        )
        return Response(
            {"version": annotation_set.version, "relation": relation_record(relation)},
            status=status.HTTP_201_CREATED,
        )


class RelationDetailApi(APIView):
    @extend_schema(responses=s.VersionOutput, parameters=[IF_MATCH])
    def delete(self, request: Request, set_id: int, relation_id: int) -> Response:
        relation = selectors.relation_for_user(request.user, set_id, relation_id)
        annotation_set = relation.annotation_set
        services.relation_delete(relation=relation, version=expected_version(request))
        return Response({"version": annotation_set.version, "status": annotation_set.status})


class DocumentLabelApi(APIView):
    @extend_schema(
        request=s.DocumentLabelInput,
        responses=s.DocumentLabelWriteOutput,
        parameters=[IF_MATCH],
        summary="Set a document label, e.g. layer 'stance'.",
    )
    def put(self, request: Request, set_id: int, layer: str) -> Response:
        annotation_set = selectors.annotation_set_for_user(request.user, set_id)
        data = s.DocumentLabelInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k != "version"}
        row = services.document_label_set(
            annotation_set=annotation_set, version=expected_version(request), layer=layer, **fields
        )
        return Response(
            {
                "version": annotation_set.version,
                "document_label": document_label_record(row, row.rationale_ids),
            }
        )

    @extend_schema(responses=s.VersionOutput, parameters=[IF_MATCH])
    def delete(self, request: Request, set_id: int, layer: str) -> Response:
        annotation_set = selectors.annotation_set_for_user(request.user, set_id)
        services.document_label_clear(
            annotation_set=annotation_set, version=expected_version(request), layer=layer
        )
        return Response({"version": annotation_set.version, "status": annotation_set.status})


class AnnotationSetSubmitApi(APIView):
    @extend_schema(request=s.VersionedInput, responses=s.VersionOutput, parameters=[IF_MATCH])
    def post(self, request: Request, set_id: int) -> Response:
        annotation_set = selectors.annotation_set_for_user(request.user, set_id)
        services.annotation_set_submit(annotation_set=annotation_set, version=expected_version(request))
        return Response({"version": annotation_set.version, "status": annotation_set.status})


class AnnotationSetReopenApi(APIView):
    @extend_schema(request=s.VersionedInput, responses=s.VersionOutput, parameters=[IF_MATCH])
    def post(self, request: Request, set_id: int) -> Response:
        annotation_set = selectors.annotation_set_for_user(request.user, set_id)
        services.annotation_set_reopen(annotation_set=annotation_set, version=expected_version(request))
        return Response({"version": annotation_set.version, "status": annotation_set.status})


class CommentCreateApi(APIView):
    @extend_schema(request=s.CommentInput, responses={201: s.CommentWriteOutput}, parameters=[IF_MATCH])
    def post(self, request: Request, set_id: int) -> Response:
        annotation_set = selectors.annotation_set_for_user(request.user, set_id)
        data = s.CommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k != "version"}
        comment = comments.comment_create(
            annotation_set=annotation_set, version=expected_version(request), **fields
        )
        return Response(
            {"version": annotation_set.version, "comment": comments.comment_record(comment)},
            status=status.HTTP_201_CREATED,
        )


class CommentDetailApi(APIView):
    @extend_schema(responses=s.VersionOutput, parameters=[IF_MATCH])
    def delete(self, request: Request, set_id: int, comment_id: int) -> Response:
        comment = selectors.comment_for_user(request.user, set_id, comment_id)
        annotation_set = comment.annotation_set
        comments.comment_delete(comment=comment, version=expected_version(request))
        return Response({"version": annotation_set.version, "status": annotation_set.status})


class SuggestionAcceptApi(APIView):
    @extend_schema(
        request=s.SuggestionAcceptInput,
        responses={201: s.SuggestionAcceptOutput},
        parameters=[IF_MATCH],
        summary="Accept a suggestion as a span, optionally edited (label, start, end).",
    )
    def post(self, request: Request, set_id: int, suggestion_id: int) -> Response:
        annotation_set = selectors.annotation_set_for_user(request.user, set_id)
        data = s.SuggestionAcceptInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k != "version"}
        span, decision = suggestion_review.suggestion_accept(
            annotation_set=annotation_set,
            version=expected_version(request),
            suggestion=suggestion_id,
            **fields,
        )
        return Response(
            {
                "version": annotation_set.version,
                "span": span_record(span, annotation_set.document.text),
                "decision": decision.decision,
            },
            status=status.HTTP_201_CREATED,
        )


class SuggestionRejectApi(APIView):
    @extend_schema(request=s.VersionedInput, responses=s.VersionOutput, parameters=[IF_MATCH])
    def post(self, request: Request, set_id: int, suggestion_id: int) -> Response:
        annotation_set = selectors.annotation_set_for_user(request.user, set_id)
        suggestion_review.suggestion_reject(
            annotation_set=annotation_set, version=expected_version(request), suggestion=suggestion_id
        )
        return Response({"version": annotation_set.version, "status": annotation_set.status})


class SuggestionAcceptLayerApi(APIView):
    @extend_schema(
        request=s.AcceptLayerInput,
        responses=s.AcceptLayerOutput,
        parameters=[IF_MATCH],
        summary="Accept every open suggestion of one span layer.",
    )
    def post(self, request: Request, set_id: int) -> Response:
        annotation_set = selectors.annotation_set_for_user(request.user, set_id)
        data = s.AcceptLayerInput(data=request.data)
        data.is_valid(raise_exception=True)
        accepted = suggestion_review.suggestions_accept_layer(
            annotation_set=annotation_set,
            version=expected_version(request),
            layer=data.validated_data["layer"],
        )
        text = annotation_set.document.text
        return Response(
            {
                "version": annotation_set.version,
                "spans": [span_record(span, text) for span, _ in accepted],
                "suggestions": [decision.suggestion_id for _, decision in accepted],
            }
        )
