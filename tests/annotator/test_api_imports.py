"""Managers import files through the API and the upload page; bad files get 400 and write nothing."""

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from factories import MembershipFactory, UserFactory

from annotator.models import Membership, Span, SuggestedRelation
from corpus.models import Document

pytestmark = pytest.mark.django_db

TEXT = "Sanctions have failed. Talks are the only way."
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.STANCEMARK_UPLOAD_DIR = tmp_path / "uploads"


@pytest.fixture
def manager(project):
    return MembershipFactory(
        project=project, user=UserFactory(username="boss"), role=Membership.Role.MANAGER
    ).user


def gold_file(*records: dict, name: str = "gold.jsonl") -> SimpleUploadedFile:
    content = "".join(json.dumps(r) + "\n" for r in records).encode()
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def annotated(label: str = "claim", end: int = 9) -> dict:
    return {
        "text": TEXT,
        "spans": [
            {"id": 1, "start": 0, "end": end, "label": label},
            {"id": 2, "start": 23, "end": 28, "label": "premise"},
        ],
        "relations": [{"head": 2, "tail": 1, "label": "supports"}],
    }


def post(client, project, **data):
    return client.post(f"/api/projects/{project.slug}/imports/", data, format="multipart")


def test_a_manager_imports_a_file_as_an_annotators_work(project, manager, annotator, client_for):
    response = post(
        client_for(manager), project, file=gold_file(annotated()), format="jsonl", as_annotator="ann"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["ok"] is True
    assert (body["report"]["documents_created"], body["report"]["spans"], body["report"]["relations"]) == (
        1,
        2,
        1,
    )
    assert Span.objects.filter(annotation_set__annotator=annotator).count() == 2


def test_a_bad_file_is_a_400_naming_file_line_and_field_and_writes_nothing(project, manager, client_for):
    response = post(
        client_for(manager),
        project,
        file=gold_file({"text": "fine"}, annotated(end=999)),
        format="jsonl",
        as_suggestions="true",
    )
    assert response.status_code == 400
    (problem,) = response.json()["problems"]
    assert (problem["file"], problem["line"], problem["field"]) == ("gold.jsonl", 2, "spans[0].end")
    assert problem["text"].startswith("gold.jsonl, line 2, field 'spans[0].end': ")
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe not utf-8\n", b"{not json\n", b"", b"\x00\x01\x02"],
)
def test_garbage_is_a_400_never_a_500(project, manager, client_for, content):
    upload = SimpleUploadedFile("junk.jsonl", content)
    response = post(client_for(manager), project, file=upload, format="jsonl")
    assert response.status_code == 400
    assert not Document.objects.exists()


def test_unknown_labels_come_back_with_counts_and_a_token_to_retry_with_a_mapping(
    project, manager, client_for
):
    client = client_for(manager)
    response = post(
        client, project, file=gold_file(annotated(label="Thesis")), format="jsonl", as_suggestions="true"
    )
    assert response.status_code == 400
    body = response.json()
    assert [(u["label"], u["kind"], u["count"]) for u in body["unknown_labels"]] == [("Thesis", "span", 1)]
    assert body["unknown_labels"][0]["first"].startswith("gold.jsonl, line 1, field 'spans[0].label'")
    assert not Document.objects.exists()
    again = post(
        client,
        project,
        upload=body["upload"],
        format="jsonl",
        as_suggestions="true",
        label_map=json.dumps({"Thesis": "argument:claim"}),
    )
    assert again.status_code == 201, again.json()
    assert again.json()["report"]["suggestions"] == 2
    assert SuggestedRelation.objects.count() == 1


def test_a_zip_of_text_files_is_streamed_member_by_member(project, manager, client_for):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("corpus/a.txt", "First article.")
        archive.writestr("corpus/b.txt", "Second article.")
        archive.writestr("../evil.txt", "Outside the folder.")
    upload = SimpleUploadedFile("corpus.zip", buffer.getvalue())
    response = post(client_for(manager), project, file=upload, format="txt")
    assert response.status_code == 201, response.json()
    assert set(Document.objects.values_list("text", flat=True)) == {"First article.", "Second article."}


def test_a_problem_in_a_zip_names_the_member(project, manager, client_for):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("docs/empty.txt", "   ")
    response = post(
        client_for(manager), project, file=SimpleUploadedFile("corpus.zip", buffer.getvalue()), format="txt"
    )
    assert response.status_code == 400
    assert response.json()["problems"][0]["file"] == "corpus.zip/docs/empty.txt"


def test_the_annotator_must_be_a_member(project, manager, client_for):
    UserFactory(username="outsider")
    response = post(
        client_for(manager), project, file=gold_file(annotated()), format="jsonl", as_annotator="outsider"
    )
    assert response.status_code == 400
    assert response.json()["problems"][0]["field"] == "as_annotator"


def test_missing_file_and_unknown_format_are_400(project, manager, client_for):
    response = post(client_for(manager), project, format="yaml")
    assert response.status_code == 400
    assert set(response.json()) >= {"format", "file"} or "format" in response.json()


@pytest.mark.parametrize("role", [Membership.Role.ANNOTATOR, None])
def test_annotators_and_strangers_get_404(project, client_for, role):
    user = UserFactory()
    if role:
        MembershipFactory(project=project, user=user, role=role)
    response = post(client_for(user), project, file=gold_file({"text": TEXT}), format="jsonl")
    assert response.status_code == 404
    assert not Document.objects.exists()


def test_a_superuser_may_import(project, client_for):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    response = post(client_for(admin), project, file=gold_file({"text": TEXT}), format="jsonl")
    assert response.status_code == 201


def test_a_large_upload_is_queued_with_a_status_url(project, manager, client_for, settings):
    settings.STANCEMARK_IMPORT_BACKGROUND_BYTES = 10
    client = client_for(manager)
    response = post(client, project, file=gold_file({"text": TEXT}), format="jsonl")
    assert response.status_code == 202
    status_url = response.json()["status_url"]
    assert status_url == f"/api/projects/{project.slug}/imports/{response.json()['task']}/"
    assert client.get(status_url).json()["status"] == "READY"
    assert not Document.objects.exists()  # the worker has not run yet


def test_the_background_task_imports_the_stored_upload_and_removes_it(project, manager):
    from annotator.services.uploads import ImportOptions, upload_root, upload_store
    from annotator.tasks import import_upload

    upload = upload_store(chunks=[TEXT.encode()], name="one.txt", project=project, user=manager)
    result = import_upload.call(project.pk, manager.pk, upload.token, ImportOptions(format="txt").as_dict())
    assert result["report"]["documents_created"] == 1
    assert not (upload_root() / upload.token).exists()


def test_a_large_upload_runs_at_once_with_the_immediate_backend(project, manager, client_for, settings):
    settings.STANCEMARK_IMPORT_BACKGROUND_BYTES = 10
    with override_settings(TASKS=IMMEDIATE):
        response = post(client_for(manager), project, file=gold_file({"text": TEXT}), format="jsonl")
    assert response.status_code == 202
    assert Document.objects.count() == 1


# --- the page ---------------------------------------------------------------------------------


def test_the_upload_page_imports_and_shows_the_report(project, manager, client):
    client.force_login(manager)
    url = f"/projects/{project.slug}/import/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"file": gold_file({"text": TEXT}), "format": "jsonl", "text_column": "text"})
    assert response.status_code == 200
    assert "1 documents created, 0 already present" in response.content.decode()


def test_the_upload_page_lists_problems_with_file_and_line(project, manager, client):
    client.force_login(manager)
    response = client.post(
        f"/projects/{project.slug}/import/",
        {"file": gold_file({"text": ""}), "format": "jsonl", "text_column": "text"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "Nothing was imported" in page
        and "gold.jsonl" in page
        and "a non-empty &#x27;text&#x27; string" in page
    )


def test_the_upload_page_is_not_for_annotators(project, annotator, client):
    client.force_login(annotator)
    assert client.get(f"/projects/{project.slug}/import/").status_code == 404
