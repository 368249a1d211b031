"""Managers assign documents, annotators take them from the queue, skip them, and leave."""

import pytest
from django.core.exceptions import ValidationError
from factories import AnnotationSetFactory, DocumentFactory, MembershipFactory, UserFactory

from annotator.models import AnnotationSet, Membership, Project
from annotator.selectors import document_queue
from annotator.selectors_team import DocumentFilter, documents_filtered, progress_by_annotator
from annotator.services import assignment
from annotator.services.annotations import annotation_set_get_or_create
from annotator.services.errors import NotAllowed


@pytest.fixture
def queue_project(project):
    project.assignment = Project.Assignment.QUEUE
    project.annotators_per_document = 2
    project.save()
    documents = [DocumentFactory(corpus=project.corpus) for _ in range(3)]
    people = [MembershipFactory(project=project, user=UserFactory(username=name)).user for name in "abc"]
    return project, documents, people


def test_the_queue_fills_each_document_to_the_overlap_before_starting_another(queue_project):
    project, documents, (a, b, c) = queue_project
    first = assignment.assign_next(project=project, user=a)
    assert first.document == documents[0] and first.assigned_by == a
    assert assignment.assign_next(project=project, user=a) == first  # unfinished work comes back first
    assert assignment.assign_next(project=project, user=b).document == documents[0]
    assert assignment.assign_next(project=project, user=c).document == documents[1]  # documents[0] is full


def test_an_annotator_sees_only_what_the_queue_gave_them(queue_project):
    project, documents, (a, _, _) = queue_project
    assert document_queue(project, a) == []
    assignment.assign_next(project=project, user=a)
    assert [entry.document for entry in document_queue(project, a)] == [documents[0]]
    with pytest.raises(NotAllowed):
        annotation_set_get_or_create(project=project, document=documents[1], user=a)


def test_a_skipped_document_goes_back_to_the_pool_with_its_reason(queue_project):
    project, documents, (a, b, c) = queue_project
    project.annotators_per_document = 1
    project.save()
    taken = assignment.assign_next(project=project, user=a)
    with pytest.raises(ValidationError):
        assignment.skip(annotation_set=taken, version=taken.version, reason=" ")
    assignment.skip(annotation_set=taken, version=taken.version, reason="Not about North Korea")
    assert taken.status == AnnotationSet.Status.SKIPPED and taken.skip_reason == "Not about North Korea"
    assert assignment.assign_next(project=project, user=b).document == documents[0]
    assert assignment.assign_next(project=project, user=a).document == documents[1]  # never the skipped one
    assert documents[0] not in [entry.document for entry in document_queue(project, a)]


def test_a_manager_assigns_and_unassigns(queue_project, project):
    project.assignment = Project.Assignment.MANUAL
    project.save()
    _, documents, (a, _, _) = queue_project
    manager = MembershipFactory(project=project, role=Membership.Role.MANAGER).user
    given = assignment.assign(project=project, document=documents[2], annotator=a, by=manager)
    assert given.assigned_by == manager and given.status == AnnotationSet.Status.IN_PROGRESS
    with pytest.raises(ValidationError):
        assignment.assign(project=project, document=documents[2], annotator=a, by=manager)
    assert [entry.document for entry in document_queue(project, a)] == [documents[2]]
    assignment.unassign(project=project, document=documents[2], annotator=a)
    assert document_queue(project, a) == []


def test_someone_leaving_returns_their_unfinished_documents_to_the_pool(queue_project):
    project, documents, (a, b, _) = queue_project
    manager = MembershipFactory(project=project, role=Membership.Role.MANAGER).user
    AnnotationSetFactory(
        project=project, document=documents[0], annotator=a, status=AnnotationSet.Status.SUBMITTED
    )
    AnnotationSetFactory(project=project, document=documents[1], annotator=a)
    assert assignment.member_remove(project=project, user=a, by=manager) == 1
    assert not Membership.objects.filter(project=project, user=a).exists()
    left = AnnotationSet.objects.filter(annotator=a).values_list("document_id", "status")
    assert list(left) == [(documents[0].pk, "submitted")]  # submitted work stays


def test_reassigning_moves_the_work_along(queue_project):
    project, documents, (a, b, _) = queue_project
    started = AnnotationSetFactory(project=project, document=documents[1], annotator=a)
    assert assignment.reassign(project=project, from_user=a, to_user=b, by=a) == 1
    started.refresh_from_db()
    assert started.annotator == b


def test_time_spent_adds_up_and_progress_shows_it(queue_project):
    project, documents, (a, _, _) = queue_project
    taken = assignment.assign_next(project=project, user=a)
    assignment.time_add(annotation_set=taken, seconds=90)
    assert assignment.time_add(annotation_set=taken, seconds=30) == 120
    with pytest.raises(ValidationError):
        assignment.time_add(annotation_set=taken, seconds=0)
    row = next(row for row in progress_by_annotator(project) if row["username"] == "a")
    assert row == {
        "username": "a",
        "role": "annotator",
        "is_control": False,
        "in_progress": 1,
        "submitted": 0,
        "skipped": 0,
        "seconds": 120,
    }


def test_managers_search_the_corpus_and_filter_documents(project):
    hit = DocumentFactory(corpus=project.corpus, text="The envoy flew to Pyongyang.")
    DocumentFactory(corpus=project.corpus, text="Nothing to see.")
    assert list(documents_filtered(project, DocumentFilter(text="pyongyang"))) == [hit]
    AnnotationSetFactory(project=project, document=hit, annotator=UserFactory(username="z"))
    assert list(documents_filtered(project, DocumentFilter(status="in_progress"))) == [hit]
    assert list(documents_filtered(project, DocumentFilter(annotator="z"))) == [hit]
    assert hit not in documents_filtered(project, DocumentFilter(status="new"))
