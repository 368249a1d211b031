"""Managers pre-annotate a project as a background job and follow its progress."""

import pytest
from django.test import override_settings
from factories import MembershipFactory, UserFactory

from annotator.models import Membership, SuggestionRun
from annotator.services.suggestion_jobs import suggestion_job_start, suggestion_progress

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def manager(seeded_project):
    return MembershipFactory(
        project=seeded_project, user=UserFactory(username="maria"), role=Membership.Role.MANAGER
    ).user


def url(project):
    return f"/api/projects/{project.slug}/suggestion-job/"


def test_progress_counts_documents_every_rule_suggester_has_been_through(seeded_project):
    assert suggestion_progress(seeded_project).as_dict() == {
        "documents_total": 3,
        "documents_done": 0,
        "documents_failed": 0,
        "status": "unknown",
        "finished": False,
    }
    with override_settings(TASKS=IMMEDIATE):
        suggestion_job_start(seeded_project)
    progress = suggestion_progress(seeded_project)
    assert (progress.documents_done, progress.finished) == (3, True)


def test_a_queued_job_waits_for_the_worker_and_says_so(seeded_project):
    with override_settings(TASKS=DATABASE):
        task = suggestion_job_start(seeded_project)
        progress = suggestion_progress(seeded_project, task)
    assert (progress.status, progress.documents_done, progress.finished) == ("READY", 0, False)
    assert not SuggestionRun.objects.exists()


def test_a_manager_starts_the_job_over_http_and_reads_its_progress(client_for, manager, seeded_project):
    client = client_for(manager)
    with override_settings(TASKS=DATABASE):
        started = client.post(url(seeded_project))
        assert started.status_code == 202
        task = started.json()["task"]
        progress = client.get(url(seeded_project), {"task": task})
    assert progress.status_code == 200
    assert progress.json()["status"] == "READY" and progress.json()["documents_total"] == 3


def test_an_annotator_can_neither_start_nor_watch_it(client_for, seeded_project):
    annotator = MembershipFactory(project=seeded_project, user=UserFactory(username="ann2")).user
    client = client_for(annotator)
    assert client.post(url(seeded_project)).status_code == 404
    assert client.get(url(seeded_project)).status_code == 404


def test_the_page_is_only_for_managers(client, manager, seeded_project):
    annotator = MembershipFactory(project=seeded_project, user=UserFactory(username="ann3")).user
    client.force_login(annotator)
    assert client.get(f"/projects/{seeded_project.slug}/suggestions/").status_code == 404
    client.force_login(manager)
    page = client.get(f"/projects/{seeded_project.slug}/suggestions/")
    assert page.status_code == 200
    assert b"0 of 3 documents done" in page.content
