"""A manager pre-annotates the project from the browser and watches the progress reach the end."""

import pytest
from django.contrib.auth import get_user_model
from pages import log_in

from annotator.models import Membership, Project, SuggestionRun
from annotator.services.seeds import seeds_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_pre_annotates_the_project_with_live_progress(live_server, page, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    seeds_load()
    project = Project.objects.get(slug="seeds")
    user = get_user_model().objects.create_user("maria", password="maria-secret-pw")
    Membership.objects.create(project=project, user=user, role=Membership.Role.MANAGER)
    log_in(page, live_server.url, "maria", "maria-secret-pw")
    page.goto(f"{live_server.url}/projects/{project.slug}/")
    page.get_by_role("link", name="Pre-annotate with suggestions").click()
    page.get_by_role("button", name="Pre-annotate all documents").click()
    page.wait_for_function(
        "() => document.querySelector('#job-status').textContent.startsWith('Finished: 3 of 3 documents')",
        timeout=60_000,
    )
    assert page.locator("#job-progress").get_attribute("value") == "3"
    assert SuggestionRun.objects.filter(project=project, status="done").count() >= 3 * 4
