"""API for managers: export the project's gold in any format, list the exports, download one."""

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator.exporters import EXPORTERS
from annotator.permissions import project_for_manager
from annotator.services import exports


class ExportInput(serializers.Serializer):
    format = serializers.ChoiceField(choices=sorted(EXPORTERS))


class ExportFileOutput(serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    url = serializers.CharField()


def file_data(request: Request, slug: str, item: exports.ExportFile) -> dict:
    return {
        "name": item.name,
        "size": item.size,
        "created_at": item.created_at,
        "url": reverse("api-export-download", args=[slug, item.name]),
    }


class ExportListApi(APIView):
    @extend_schema(responses=ExportFileOutput(many=True), summary="The project's finished exports.")
    def get(self, request: Request, slug: str) -> Response:
        project = project_for_manager(request.user, slug)
        data = [file_data(request, slug, item) for item in exports.export_list(project)]
        return Response(ExportFileOutput(data, many=True).data)

    @extend_schema(
        request=ExportInput,
        responses={201: ExportFileOutput, 202: None},
        summary="Export the gold; large projects are exported by a background task (202).",
    )
    def post(self, request: Request, slug: str) -> Response:
        project = project_for_manager(request.user, slug)
        data = ExportInput(data=request.data)
        data.is_valid(raise_exception=True)
        fmt = data.validated_data["format"]
        if exports.export_in_background(project):
            from annotator.tasks import export_project

            task = export_project.enqueue(project.pk, fmt)
            return Response({"task": task.id, "status": str(task.status)}, status=status.HTTP_202_ACCEPTED)
        written, report = exports.export_write(project, fmt)
        body = {
            **file_data(request, slug, written),
            "documents": report.documents,
            "problems": report.problems,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class ExportDownloadApi(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): bytes}, summary="Download an export.")
    def get(self, request: Request, slug: str, name: str) -> FileResponse:
        project = project_for_manager(request.user, slug)
        path = exports.export_path(project, name)
        return FileResponse(path.open("rb"), as_attachment=True, filename=name)
