from django.contrib import admin

from corpus.models import Corpus, Document


@admin.register(Corpus)
class CorpusAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "created_at"]
    search_fields = ["slug", "name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "corpus", "kind", "short_hash", "created_at"]
    list_filter = ["corpus", "kind"]
    search_fields = ["title", "external_id", "content_hash"]
    readonly_fields = ["content_hash", "created_at"]

    @admin.display(description="hash")
    def short_hash(self, obj: Document) -> str:
        return obj.content_hash[:12]

    def get_readonly_fields(self, request, obj=None):
        # Annotations point into the text by offset, so it is fixed once the document exists.
        if obj is not None:
            return [*self.readonly_fields, "text", "corpus"]
        return self.readonly_fields
