"""What the API answers in: JSON for scripts and the workspace, DRF's browsable pages for browsers."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client_for, annotator):
    return client_for(annotator)


def test_a_request_without_accept_gets_json(client, project):
    response = client.get("/api/projects/", HTTP_ACCEPT="*/*")
    assert response["Content-Type"] == "application/json"
    assert response.json()["results"][0]["slug"] == project.slug


def test_a_request_accepting_json_gets_json(client, project):
    response = client.get("/api/projects/", HTTP_ACCEPT="application/json")
    assert response["Content-Type"] == "application/json"


def test_a_browser_asking_for_html_gets_the_browsable_api(client, project):
    response = client.get("/api/projects/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert response["Content-Type"].startswith("text/html")
    assert project.slug in response.content.decode()


def test_format_in_the_query_wins_over_accept(client, project):
    response = client.get("/api/projects/?format=json", HTTP_ACCEPT="text/html")
    assert response["Content-Type"] == "application/json"


def test_json_with_an_indent_is_indented(client, project):
    response = client.get("/api/projects/", HTTP_ACCEPT="application/json; indent=2")
    assert response.content.startswith(b'{\n  "count"')


def test_a_browser_gets_the_document_queue_as_a_page(client, project, annotation_set):
    response = client.get(f"/api/projects/{project.slug}/documents/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
