"""A manager exports the seed project's gold from the browser and downloads it."""

import pytest
from django.contrib.auth import get_user_model
from pages import log_in

from annotator.models import Membership, Project
from annotator.services.seeds import seeds_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_exports_and_downloads_the_gold(live_server, page, settings, tmp_path):
    settings.STANCEMARK_EXPORT_DIR = tmp_path / "exports"
    seeds_load()
    project = Project.objects.get(slug="seeds")
    user = get_user_model().objects.create_user("maria", password="maria-secret-pw")
    Membership.objects.create(project=project, user=user, role=Membership.Role.MANAGER)
    log_in(page, live_server.url, "maria", "maria-secret-pw")
    page.goto(f"{live_server.url}/projects/{project.slug}/")
    page.get_by_role("link", name="Export").click()
    page.select_option("#export-format", "doccano")
    page.get_by_role("button", name="Export").click()
    page.wait_for_function(
        "() => document.querySelector('#export-status').textContent.startsWith('Exported 3')"
    )
    with page.expect_download() as download:
        page.locator("#export-files a").first.click()
    assert download.value.suggested_filename.endswith("-doccano.jsonl")
