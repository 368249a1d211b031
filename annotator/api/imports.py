"""API for managers: upload a file to import into a project's corpus, and follow a background import."""

import json

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator.permissions import project_for_manager
from annotator.services.uploads import (
    ImportOptions,
    background_threshold,
    upload_delete,
    upload_get,
    upload_import,
    upload_store,
    upload_too_large,
)
from corpus.importers import READERS


class ImportInput(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="The file: one of the formats, or a zip of them.")
    upload = serializers.CharField(required=False, help_text="Re-run an earlier upload (its `upload` token).")
    format = serializers.ChoiceField(choices=sorted(READERS))
    as_annotator = serializers.CharField(required=False, default="", allow_blank=True)
    as_suggestions = serializers.BooleanField(required=False, default=False)
    skip_bad = serializers.BooleanField(required=False, default=False)
    add_labels = serializers.BooleanField(required=False, default=False)
    layer = serializers.CharField(required=False, default="", allow_blank=True)
    replace = serializers.BooleanField(required=False, default=False)
    label_map = serializers.CharField(
        required=False, default="", allow_blank=True, help_text='JSON {"source label": "layer:label"}.'
    )
    text_column = serializers.CharField(required=False, default="text")
    title_column = serializers.CharField(required=False, default="", allow_blank=True)
    id_column = serializers.CharField(required=False, default="", allow_blank=True)

    def validate_file(self, value):
        if message := upload_too_large(value.size):
            raise serializers.ValidationError(message, code="too_large")
        return value

    def validate_label_map(self, value: str) -> dict:
        if not value.strip():
            return {}
        try:
            data = json.loads(value)
        except json.JSONDecodeError as error:
            raise serializers.ValidationError(f"not JSON: {error.msg}.") from error
        if not isinstance(data, dict):
            raise serializers.ValidationError('a JSON object {"source label": "layer:label"}.')
        return data

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("file") and not attrs.get("upload"):
            raise serializers.ValidationError({"file": "upload a file."})
        return attrs


class ProblemOutput(serializers.Serializer):
    file = serializers.CharField()
    line = serializers.IntegerField(allow_null=True)
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()
    text = serializers.CharField()


class ImportResultOutput(serializers.Serializer):
    ok = serializers.BooleanField()
    report = serializers.DictField(allow_null=True)
    problems = ProblemOutput(many=True)
    unknown_labels = serializers.ListField(child=serializers.DictField())
    upload = serializers.CharField()


def import_options(data: dict) -> ImportOptions:
    return ImportOptions(**{k: v for k, v in data.items() if k not in ("file", "upload")})


class ImportUploadApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ImportInput},
        responses={201: ImportResultOutput, 400: ImportResultOutput, 202: None},
        summary="Import a file into the project's corpus (managers); large files run in the background.",
    )
    def post(self, request: Request, slug: str) -> Response:
        project = project_for_manager(request.user, slug)
        data = ImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        options = import_options(data.validated_data)
        if data.validated_data.get("file"):
            file = data.validated_data["file"]
            upload = upload_store(chunks=file.chunks(), name=file.name, project=project, user=request.user)
        else:
            upload = upload_get(token=data.validated_data["upload"], project=project, user=request.user)
        if upload.size > background_threshold():
            from annotator.tasks import import_upload

            task = import_upload.enqueue(project.pk, request.user.pk, upload.token, options.as_dict())
            url = reverse("api-import-status", args=[project.slug, task.id])
            return Response({"task": task.id, "status_url": url}, status=status.HTTP_202_ACCEPTED)
        result = upload_import(project=project, upload=upload, options=options)
        if not result["unknown_labels"]:
            upload_delete(upload)
        return Response(
            result, status=status.HTTP_201_CREATED if result["ok"] else status.HTTP_400_BAD_REQUEST
        )


class ImportStatusApi(APIView):
    @extend_schema(responses=None, summary="The state of a background import and, once done, its result.")
    def get(self, request: Request, slug: str, task_id: str) -> Response:
        project_for_manager(request.user, slug)
        from annotator.tasks import import_upload

        if not import_upload.get_backend().supports_get_result:
            return Response({"task": task_id, "status": "unknown", "finished": False})
        try:
            result = import_upload.get_result(task_id)
        except Exception:  # noqa: BLE001 - an id the backend does not know
            return Response({"detail": "No such import."}, status=status.HTTP_404_NOT_FOUND)
        body = {"task": task_id, "status": str(result.status), "finished": result.is_finished}
        if result.is_finished and str(result.status) == "SUCCESSFUL":
            body["result"] = result.return_value
        return Response(body)
