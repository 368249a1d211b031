"""API for managers: a project's audit log, newest first, read-only."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator.models import AuditEvent
from annotator.permissions import project_for_manager


class AuditEventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    action = serializers.CharField()
    document = serializers.IntegerField(source="document_id", allow_null=True)
    annotation_set = serializers.IntegerField(source="annotation_set_id", allow_null=True)
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)


class AuditListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("document", int, description="Only this document's events."),
            OpenApiParameter("action", str, description="Only this action, e.g. span.create."),
            OpenApiParameter("page", int),
        ],
        responses=AuditEventOutput(many=True),
        summary="Manager: every change to annotations and gold in the project, newest first.",
    )
    def get(self, request: Request, slug: str) -> Response:
        project = project_for_manager(request.user, slug)
        events = AuditEvent.objects.filter(project=project).select_related("actor")
        if (document := request.query_params.get("document", "")).isdigit() and len(document) < 19:
            events = events.filter(document_id=int(document))
        if action := request.query_params.get("action"):
            events = events.filter(action=action)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response(AuditEventOutput(page, many=True).data)
