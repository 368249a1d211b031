"""API for managers: start pre-annotating a project and follow its progress."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator.permissions import project_for_manager
from annotator.services.suggestion_jobs import suggestion_job_start, suggestion_progress


class SuggestionProgressOutput(serializers.Serializer):
    task = serializers.CharField(allow_null=True)
    documents_total = serializers.IntegerField()
    documents_done = serializers.IntegerField()
    documents_failed = serializers.IntegerField()
    status = serializers.CharField()
    finished = serializers.BooleanField()


class SuggestionJobApi(APIView):
    @extend_schema(
        request=None,
        responses={202: SuggestionProgressOutput},
        summary="Pre-annotate every document of the project in the background.",
    )
    def post(self, request: Request, slug: str) -> Response:
        project = project_for_manager(request.user, slug)
        task = suggestion_job_start(project)
        return Response(
            {"task": task, **suggestion_progress(project, task).as_dict()}, status=status.HTTP_202_ACCEPTED
        )

    @extend_schema(
        parameters=[OpenApiParameter("task", str, required=False, description="The id POST returned.")],
        responses=SuggestionProgressOutput,
        summary="How far pre-annotation has got.",
    )
    def get(self, request: Request, slug: str) -> Response:
        project = project_for_manager(request.user, slug)
        task = request.query_params.get("task") or None
        return Response({"task": task, **suggestion_progress(project, task).as_dict()})
