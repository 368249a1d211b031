"""A manager uploads a doccano file, maps a label the scheme lacks, and reads the report."""

import json

import pytest
from django.contrib.auth import get_user_model
from pages import log_in

from annotator.models import Membership, Project, Span
from annotator.services.seeds import seeds_load
from corpus.models import Document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "Sanctions have failed for decades. Talks are the only way forward."


@pytest.fixture
def manager_on_import_page(live_server, page, settings, tmp_path):
    settings.STANCEMARK_UPLOAD_DIR = tmp_path / "uploads"
    seeds_load()
    project = Project.objects.get(slug="seeds")
    manager = get_user_model().objects.create_user("mia", password="mia-secret-pw")
    Membership.objects.create(project=project, user=manager, role=Membership.Role.MANAGER)
    annotator = get_user_model().objects.create_user("ana", password="ana-secret-pw")
    Membership.objects.create(project=project, user=annotator)
    log_in(page, live_server.url, "mia", "mia-secret-pw")
    page.goto(f"{live_server.url}/projects/seeds/import/")
    return page


def test_a_manager_maps_an_unknown_label_and_imports(manager_on_import_page, tmp_path):
    page = manager_on_import_page
    path = tmp_path / "doccano.jsonl"
    path.write_text(json.dumps({"text": TEXT, "label": [[0, 34, "Thesis"], [35, 66, "claim"]]}) + "\n")
    page.get_by_label("File (or a zip of files)").set_input_files(str(path))
    page.get_by_label("Format").select_option("doccano")
    page.get_by_label("Import as the work of").select_option("ana")
    page.get_by_role("button", name="Import", exact=True).click()

    page.wait_for_selector("#unknown-labels")
    assert page.get_by_role("heading", name="Nothing was imported").is_visible()
    row = page.locator("#unknown-labels tbody tr")
    assert row.locator("td").nth(0).inner_text() == "Thesis"
    assert row.locator("td").nth(2).inner_text() == "1"
    assert "doccano.jsonl, line 1" in row.locator("td").nth(3).inner_text()
    assert not Document.objects.filter(text=TEXT).exists()

    page.get_by_label("Map Thesis to").select_option("argument:major-claim")
    page.get_by_role("button", name="Import with this mapping").click()
    page.wait_for_selector("#import-report")
    report = page.locator("#import-report").inner_text()
    assert "1 documents created, 0 already present" in report
    assert "2 spans" in report
    values = set(
        Span.objects.filter(annotation_set__annotator__username="ana").values_list("label__value", flat=True)
    )
    assert values == {"major-claim", "claim"}
