"""A document's text is write-once and identified by its SHA-256 hash within a corpus."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from factories import CorpusFactory, DocumentFactory

from corpus.models import Document, text_hash

pytestmark = pytest.mark.django_db


def test_the_hash_is_the_sha256_of_the_utf8_text():
    text = "🙂 Kim fears the worst."
    assert text_hash(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_different_texts_have_different_hashes():
    assert text_hash("Talks failed.") != text_hash("Talks failed.\n")


def test_a_saved_document_carries_the_hash_of_its_text():
    document = DocumentFactory(text="Sanctions have failed.")
    document.refresh_from_db()
    assert document.content_hash == text_hash("Sanctions have failed.")


def test_a_documents_text_cannot_change_once_saved():
    document = DocumentFactory(text="Sanctions have failed.")
    document.text = "Sanctions have worked."
    with pytest.raises(ValidationError) as error:
        document.save()
    assert "text" in error.value.error_dict
    assert Document.objects.get(pk=document.pk).text == "Sanctions have failed."


def test_a_forged_hash_does_not_let_the_text_change():
    document = DocumentFactory(text="Sanctions have failed.")
    document.text = "Sanctions have worked."
    document.content_hash = text_hash("Sanctions have worked.")
    with pytest.raises(ValidationError):
        document.save()


def test_other_fields_of_a_document_can_change():
    document = DocumentFactory(text="Sanctions have failed.", title="Old")
    document.title = "New title"
    document.kind = "analysis"
    document.save()
    document.refresh_from_db()
    assert (document.title, document.kind, document.text) == (
        "New title",
        "analysis",
        "Sanctions have failed.",
    )


def test_the_same_text_cannot_be_stored_twice_in_a_corpus():
    corpus = CorpusFactory()
    DocumentFactory(corpus=corpus, text="Same words.")
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentFactory(corpus=corpus, text="Same words.")


def test_the_same_text_may_be_in_two_corpora():
    first = DocumentFactory(text="Same words.")
    second = DocumentFactory(text="Same words.")
    assert first.corpus != second.corpus
    assert first.content_hash == second.content_hash


def test_a_document_is_shown_by_its_title():
    assert str(DocumentFactory(title="Kim's nightmare")) == "Kim's nightmare"
