from django.contrib import admin

from annotator.models import (
    AnnotationSet,
    AuditEvent,
    DocumentLabel,
    Label,
    LabelScheme,
    Layer,
    Membership,
    Project,
    Relation,
    Span,
    Suggestion,
)


class LayerInline(admin.TabularInline):
    model = Layer
    extra = 0
    fields = ["key", "name", "kind", "target", "order"]
    show_change_link = True


@admin.register(LabelScheme)
class LabelSchemeAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "version"]
    inlines = [LayerInline]


class LabelInline(admin.TabularInline):
    model = Label
    extra = 0
    fields = ["value", "name", "definition", "shortcut", "color", "order"]


@admin.register(Layer)
class LayerAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "kind", "scheme", "order"]
    list_filter = ["scheme", "kind"]
    inlines = [LabelInline]


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["value", "name", "layer", "shortcut", "color"]
    list_filter = ["layer__scheme", "layer"]
    search_fields = ["value", "name", "definition"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "corpus", "scheme", "created_at"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "project", "role"]
    list_filter = ["project", "role"]
    autocomplete_fields = ["user"]


class SpanInline(admin.TabularInline):
    model = Span
    extra = 0
    fields = ["label", "start", "end", "step", "origin"]
    raw_id_fields = ["label"]


@admin.register(AnnotationSet)
class AnnotationSetAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "document", "annotator", "status", "version", "updated_at"]
    list_filter = ["project", "status"]
    raw_id_fields = ["document"]
    inlines = [SpanInline]


@admin.register(Span)
class SpanAdmin(admin.ModelAdmin):
    list_display = ["id", "annotation_set", "label", "start", "end", "origin"]
    list_filter = ["label__layer", "origin"]
    raw_id_fields = ["annotation_set", "label"]


@admin.register(Relation)
class RelationAdmin(admin.ModelAdmin):
    list_display = ["id", "annotation_set", "label", "head", "tail"]
    raw_id_fields = ["annotation_set", "head", "tail"]


@admin.register(DocumentLabel)
class DocumentLabelAdmin(admin.ModelAdmin):
    list_display = ["id", "annotation_set", "layer", "label", "confidence"]
    raw_id_fields = ["annotation_set", "rationale"]


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "document", "label", "start", "end", "suggester", "score"]
    list_filter = ["project", "suggester"]
    raw_id_fields = ["document"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log, read-only: nobody adds, changes or deletes events, not even a superuser."""

    list_display = ["at", "project", "actor", "action", "document", "annotation_set"]
    list_filter = ["project", "action"]
    readonly_fields = ["project", "annotation_set", "document", "actor", "action", "before", "after", "at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
