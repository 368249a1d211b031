"""Input and output shapes of the API; no create()/update(): services do the writing."""

from rest_framework import serializers


class VersionedInput(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        help_text="The annotation set version this change is based on (or send it as the If-Match header).",
    )


class SpanCreateInput(VersionedInput):
    layer = serializers.CharField(required=False, allow_null=True, default=None)
    label = serializers.CharField()
    start = serializers.IntegerField(help_text="Code-point offset of the first character.")
    end = serializers.IntegerField(help_text="Code-point offset after the last character.")
    step = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    attributes = serializers.JSONField(required=False, default=dict)


class SpanUpdateInput(VersionedInput):
    layer = serializers.CharField(required=False)
    label = serializers.CharField(required=False)
    start = serializers.IntegerField(required=False)
    end = serializers.IntegerField(required=False)
    step = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    attributes = serializers.JSONField(required=False)


class RelationCreateInput(VersionedInput):
    layer = serializers.CharField(required=False, allow_null=True, default=None)
    label = serializers.CharField()
    head = serializers.IntegerField(help_text="Span id the relation starts at.")
    tail = serializers.IntegerField(help_text="Span id the relation points to.")


class DocumentLabelInput(VersionedInput):
    label = serializers.CharField()
    confidence = serializers.IntegerField(required=False, allow_null=True, default=None)
    rationale = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class CommentInput(VersionedInput):
    span = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="None: the document."
    )
    flag = serializers.CharField(required=False, allow_blank=True, default="")
    text = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)


class SuggestionAcceptInput(VersionedInput):
    layer = serializers.CharField(required=False, allow_null=True, default=None)
    label = serializers.CharField(
        required=False, allow_null=True, default=None, help_text="Edit: another label."
    )
    start = serializers.IntegerField(required=False, allow_null=True, default=None)
    end = serializers.IntegerField(required=False, allow_null=True, default=None)


class AcceptLayerInput(VersionedInput):
    layer = serializers.CharField()


class LabelOutput(serializers.Serializer):
    value = serializers.CharField()
    name = serializers.CharField()
    definition = serializers.CharField()
    shortcut = serializers.CharField()
    color = serializers.CharField()


class LayerOutput(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    description = serializers.CharField()
    target = serializers.CharField()
    labels = LabelOutput(many=True, source="labels.all")


class ProjectOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    corpus = serializers.CharField(source="corpus.slug")
    scheme = serializers.CharField(source="scheme.slug")
    role = serializers.CharField(allow_null=True)


class ProjectDetailOutput(ProjectOutput):
    layers = LayerOutput(many=True)


class QueueEntryOutput(serializers.Serializer):
    id = serializers.IntegerField(source="document.pk")
    title = serializers.CharField(source="document.title")
    kind = serializers.CharField(source="document.kind")
    status = serializers.CharField()
    span_count = serializers.IntegerField()


class DocumentOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    text = serializers.CharField()
    content_hash = serializers.CharField()
    source = serializers.CharField()
    kind = serializers.CharField()
    meta = serializers.JSONField()


class SpanOutput(serializers.Serializer):
    id = serializers.IntegerField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    text = serializers.CharField()
    layer = serializers.CharField()
    label = serializers.CharField()
    step = serializers.IntegerField(allow_null=True)
    attributes = serializers.JSONField()
    origin = serializers.CharField()


class RelationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    head = serializers.IntegerField()
    tail = serializers.IntegerField()
    layer = serializers.CharField()
    label = serializers.CharField()


class DocumentLabelOutput(serializers.Serializer):
    layer = serializers.CharField()
    label = serializers.CharField()
    confidence = serializers.IntegerField(allow_null=True)
    rationale = serializers.ListField(child=serializers.IntegerField())


class AnnotationSetOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.CharField()
    document = serializers.IntegerField()
    annotator = serializers.CharField()
    status = serializers.CharField()
    version = serializers.IntegerField()
    stance = DocumentLabelOutput(allow_null=True)
    document_labels = serializers.DictField(child=DocumentLabelOutput())
    spans = SpanOutput(many=True)
    relations = RelationOutput(many=True)
    comments = serializers.ListField(child=serializers.DictField())
    suggestions = serializers.ListField(child=serializers.DictField())
    suggested_stance = serializers.DictField(allow_null=True)
    skip_reason = serializers.CharField(allow_blank=True)


class WorkspaceOutput(serializers.Serializer):
    document = DocumentOutput()
    annotation_set = AnnotationSetOutput()


class SpanWriteOutput(serializers.Serializer):
    version = serializers.IntegerField()
    span = SpanOutput()


class RelationWriteOutput(serializers.Serializer):
    version = serializers.IntegerField()
    relation = RelationOutput()


class DocumentLabelWriteOutput(serializers.Serializer):
    version = serializers.IntegerField()
    document_label = DocumentLabelOutput()


class VersionOutput(serializers.Serializer):
    version = serializers.IntegerField()
    status = serializers.CharField()


class CommentWriteOutput(serializers.Serializer):
    version = serializers.IntegerField()
    comment = serializers.DictField()


class SuggestionAcceptOutput(serializers.Serializer):
    version = serializers.IntegerField()
    span = SpanOutput()
    decision = serializers.CharField()


class AcceptLayerOutput(serializers.Serializer):
    version = serializers.IntegerField()
    spans = SpanOutput(many=True)
    suggestions = serializers.ListField(child=serializers.IntegerField())
