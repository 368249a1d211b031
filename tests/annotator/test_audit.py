"""Every change to annotations and gold leaves an audit event (who, when, before, after) for managers."""

import pytest
from django.test import Client
from factories import EMOJI_TEXT, AnnotationSetFactory, MembershipFactory, UserFactory

from annotator.models import AuditEvent, Membership, Span
from annotator.services import annotations, comments

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(project):
    return MembershipFactory(
        project=project, user=UserFactory(username="boss"), role=Membership.Role.MANAGER
    ).user


def test_creating_changing_and_deleting_a_span_is_recorded_with_before_and_after(annotation_set, annotator):
    span = annotations.span_create(
        annotation_set=annotation_set, version=1, layer="argument", label="claim", start=2, end=11
    )
    annotations.span_update(span=span, version=2, changes={"end": 25})
    annotations.span_delete(span=Span.objects.get(pk=span.pk), version=3)
    created, updated, deleted = AuditEvent.objects.order_by("id")
    assert (created.action, created.actor, created.before, created.after["end"]) == (
        "span.create",
        annotator,
        None,
        11,
    )
    assert (updated.action, updated.before["end"], updated.after["end"]) == ("span.update", 11, 25)
    assert (deleted.action, deleted.before["id"], deleted.after) == ("span.delete", span.pk, None)
    assert {e.document_id for e in (created, updated, deleted)} == {annotation_set.document_id}


def test_stance_comments_and_submission_are_recorded(annotation_set):
    annotations.document_label_set(
        annotation_set=annotation_set, version=1, label="pro-engagement", confidence=4
    )
    annotations.document_label_set(
        annotation_set=annotation_set, version=2, label="pro-sanctions", confidence=2
    )
    comments.comment_create(annotation_set=annotation_set, version=3, text="unsure about the stance")
    annotations.annotation_set_submit(annotation_set=annotation_set, version=4)
    events = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert events == ["document_label.set", "document_label.set", "comment.create", "annotation_set.submit"]
    second = AuditEvent.objects.filter(action="document_label.set").order_by("id").last()
    assert (second.before["confidence"], second.after["confidence"]) == (4, 2)


def test_a_refused_write_leaves_no_event(annotation_set):
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do
        annotations.span_create(
            annotation_set=annotation_set, version=1, layer="argument", label="claim", start=2, end=999
        )
    assert not AuditEvent.objects.exists()


def test_a_manager_lists_the_projects_events_and_an_annotator_gets_404(
    project, annotation_set, annotator, manager, client_for
):
    annotations.span_create(
        annotation_set=annotation_set, version=1, layer="argument", label="claim", start=2, end=11
    )
    response = client_for(manager).get(f"/api/projects/{project.slug}/audit/")
    assert response.status_code == 200
    (event,) = response.json()["results"]
    assert (event["actor"], event["action"], event["before"], event["after"]["start"]) == (
        "ann",
        "span.create",
        None,
        2,
    )
    assert client_for(annotator).get(f"/api/projects/{project.slug}/audit/").status_code == 404


def test_events_of_another_project_are_not_listed(project, manager, client_for):
    other = AnnotationSetFactory(document__text=EMOJI_TEXT)
    annotations.span_create(annotation_set=other, version=1, layer="argument", label="claim", start=2, end=11)
    assert client_for(manager).get(f"/api/projects/{project.slug}/audit/").json()["results"] == []


def test_the_admin_shows_events_but_refuses_every_edit(annotation_set):
    annotations.span_create(
        annotation_set=annotation_set, version=1, layer="argument", label="claim", start=2, end=11
    )
    event = AuditEvent.objects.get()
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    url = f"/admin/annotator/auditevent/{event.pk}/change/"
    assert client.get("/admin/annotator/auditevent/").status_code == 200
    assert client.get(url).status_code == 200  # viewable
    assert client.post(url, {"action": "forged"}).status_code == 403
    assert client.get("/admin/annotator/auditevent/add/").status_code == 403
    assert client.post(f"/admin/annotator/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.action == "span.create"
