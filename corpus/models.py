"""Corpora and their documents; a document's text is write-once and identified by its hash."""

import hashlib

from django.core.exceptions import ValidationError
from django.db import models


def text_hash(text: str) -> str:
    """Return the SHA-256 hex digest of a document text (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Corpus(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = "corpora"

    def __str__(self) -> str:
        return self.name or self.slug


class Document(models.Model):
    KIND_CHOICES = [
        ("news-report", "News report"),
        ("analysis", "Analysis"),
        ("opinion", "Opinion column"),
        ("other", "Other"),
    ]

    corpus = models.ForeignKey(Corpus, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=500, blank=True)
    text = models.TextField()
    content_hash = models.CharField(max_length=64, editable=False, db_index=True)
    source = models.CharField(max_length=1000, blank=True, help_text="URL or citation.")
    kind = models.CharField(max_length=20, choices=KIND_CHOICES, default="other")
    external_id = models.CharField(max_length=200, blank=True, help_text="Identifier in the source.")
    meta = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["corpus", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["corpus", "content_hash"], name="document_unique_text_per_corpus"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Document {self.pk}"

    def save(self, *args, **kwargs) -> None:
        # Offsets of every annotation point into this text, so it may never change after import.
        if self.pk is not None:
            stored = Document.objects.filter(pk=self.pk).values_list("content_hash", flat=True).first()
            if stored is not None and stored != text_hash(self.text):
                raise ValidationError({"text": "A document's text cannot change once imported."})
        self.content_hash = text_hash(self.text)
        super().save(*args, **kwargs)
