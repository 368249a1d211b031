"""Managers export the gold from the browser or the API and download it; nobody else can."""

import json
import zipfile

import pytest
from factories import MembershipFactory, UserFactory

from annotator.models import Membership
from annotator.services import exports

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.STANCEMARK_EXPORT_DIR = tmp_path / "exports"
    return settings.STANCEMARK_EXPORT_DIR


@pytest.fixture
def manager(seeded_project):
    return MembershipFactory(
        project=seeded_project, user=UserFactory(username="maria"), role=Membership.Role.MANAGER
    ).user


def url(project, tail=""):
    return f"/api/projects/{project.slug}/exports/{tail}"


def test_an_export_is_written_to_the_projects_folder_and_listed(seeded_project):
    written, report = exports.export_write(seeded_project, "jsonl")
    assert report.documents == 3
    assert [item.name for item in exports.export_list(seeded_project)] == [written.name]
    lines = exports.export_path(seeded_project, written.name).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["meta"]["project"] == "seeds"


def test_a_dataset_folder_downloads_as_one_zip(seeded_project):
    written, _ = exports.export_write(seeded_project, "dataset")
    assert written.name.endswith("-dataset.zip")
    with zipfile.ZipFile(exports.export_path(seeded_project, written.name)) as archive:
        assert "README.md" in archive.namelist()


def test_a_manager_exports_over_http_and_downloads_the_file(client_for, manager, seeded_project):
    client = client_for(manager)
    made = client.post(url(seeded_project), {"format": "csv"}, format="json")
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["documents"] == 3 and body["name"].endswith("-csv.csv")
    download = client.get(body["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"id,")
    assert [item["name"] for item in client.get(url(seeded_project)).json()] == [body["name"]]


def test_an_unknown_format_is_a_400_naming_the_choices(client_for, manager, seeded_project):
    response = client_for(manager).post(url(seeded_project), {"format": "xml"}, format="json")
    assert response.status_code == 400
    assert "format" in response.json()


def test_no_file_outside_the_export_folder_can_be_reached(client_for, manager, seeded_project):
    exports.export_write(seeded_project, "jsonl")
    client = client_for(manager)
    for name in ["..%2F..%2Fsettings.py", "secret.txt", "seeds-20260101T000000-jsonl.jsonl"]:
        assert client.get(url(seeded_project, name)).status_code == 404


def test_annotators_can_neither_export_nor_download(client_for, seeded_project):
    written, _ = exports.export_write(seeded_project, "jsonl")
    annotator = MembershipFactory(project=seeded_project, user=UserFactory(username="ann9")).user
    client = client_for(annotator)
    assert client.post(url(seeded_project), {"format": "jsonl"}, format="json").status_code == 404
    assert client.get(url(seeded_project, written.name)).status_code == 404


def test_the_export_page_lists_formats_for_managers_only(client, manager, seeded_project):
    client.force_login(manager)
    page = client.get(f"/projects/{seeded_project.slug}/export/")
    assert page.status_code == 200 and b"labelstudio" in page.content
    annotator = MembershipFactory(project=seeded_project, user=UserFactory(username="ann8")).user
    client.force_login(annotator)
    assert client.get(f"/projects/{seeded_project.slug}/export/").status_code == 404
