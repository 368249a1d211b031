"""Annotators leave comments and flags on spans or the document; only they see them."""

import pytest
from django.core.exceptions import ValidationError
from factories import SpanFactory, UserFactory

from annotator.models import Comment
from annotator.services.comments import comment_create, comment_delete

pytestmark = pytest.mark.django_db


def url(annotation_set, tail=""):
    return f"/api/annotation-sets/{annotation_set.pk}/comments/{tail}"


def test_an_annotator_flags_a_span_as_unsure(annotation_set):
    span = SpanFactory(annotation_set=annotation_set)
    comment = comment_create(
        annotation_set=annotation_set, version=1, span=span.pk, flag="unsure", text="Irony?"
    )
    assert (comment.span, comment.flag, comment.text) == (span, "unsure", "Irony?")
    assert annotation_set.version == 2


def test_a_document_can_be_flagged_as_bad_without_words(annotation_set):
    comment = comment_create(annotation_set=annotation_set, version=1, flag="bad-document")
    assert comment.span is None and comment.flag == "bad-document"


def test_an_empty_comment_is_refused_and_nothing_is_stored(annotation_set):
    with pytest.raises(ValidationError, match="Write a comment or choose a flag"):
        comment_create(annotation_set=annotation_set, version=1, text="   ")
    assert not Comment.objects.exists()
    annotation_set.refresh_from_db()
    assert annotation_set.version == 1


def test_an_unknown_flag_names_the_choices(annotation_set):
    with pytest.raises(ValidationError, match="'unsure'"):
        comment_create(annotation_set=annotation_set, version=1, flag="maybe")


def test_deleting_a_span_deletes_its_comments(annotation_set):
    span = SpanFactory(annotation_set=annotation_set)
    comment_create(annotation_set=annotation_set, version=1, span=span.pk, text="check source")
    span.delete()
    assert not Comment.objects.exists()


def test_a_comment_is_deleted_with_the_version_check(annotation_set):
    comment = comment_create(annotation_set=annotation_set, version=1, text="note")
    comment_delete(comment=comment, version=2)
    assert not Comment.objects.exists()


def test_comments_come_back_with_the_annotation_set(client_for, annotator, annotation_set):
    client = client_for(annotator)
    response = client.post(
        url(annotation_set), {"version": 1, "flag": "discuss", "text": "Sarcasm?"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = client.get(f"/api/annotation-sets/{annotation_set.pk}/").json()
    assert [(c["flag"], c["text"], c["span"]) for c in body["comments"]] == [("discuss", "Sarcasm?", None)]
    assert body["version"] == 2


def test_a_comment_on_another_sets_span_is_a_clear_400(client_for, annotator, annotation_set, project):
    other = SpanFactory(annotation_set__project=project)
    response = client_for(annotator).post(
        url(annotation_set), {"version": 1, "span": other.pk, "text": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "not in this annotation set" in response.json()["span"][0]


def test_nobody_else_reads_or_deletes_an_annotators_comments(client_for, annotator, annotation_set, project):
    comment = comment_create(annotation_set=annotation_set, version=1, text="private")
    stranger = client_for(UserFactory(username="eve"))
    assert stranger.get(f"/api/annotation-sets/{annotation_set.pk}/").status_code == 404
    assert (
        stranger.delete(url(annotation_set, f"{comment.pk}/"), {"version": 2}, format="json").status_code
        == 404
    )
    assert Comment.objects.filter(pk=comment.pk).exists()
