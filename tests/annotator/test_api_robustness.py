"""Every operation in the OpenAPI schema, sent malformed requests by a member, answers 4xx with JSON."""

import json
import re

import pytest
from factories import EMOJI_TEXT, AnnotationSetFactory, MembershipFactory, UserFactory, label_of

from annotator.models import Comment, Membership, Relation, Span, Suggestion

pytestmark = pytest.mark.django_db

HUGE = 2**70
# What a careless or hostile client puts into a field instead of the right thing.
WRONG_VALUES = [
    None,
    "",
    "not-a-number",
    -1,
    HUGE,
    -HUGE,
    1.5,
    True,
    [],
    [1, "a"],
    {"a": {"b": 1}},
    "x" * 5000,
]
METHOD_ORDER = {
    "get": 0,
    "put": 1,
    "patch": 1,
    "post": 2,
    "delete": 3,
}  # deletions last: they remove the rows


@pytest.fixture
def world(project, annotator, settings, tmp_path):
    """A manager who also annotates, with a span, a relation, a comment and a suggestion to aim at."""
    settings.STANCEMARK_UPLOAD_DIR = tmp_path / "uploads"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    manager = MembershipFactory(
        project=project, user=UserFactory(username="boss"), role=Membership.Role.MANAGER
    )
    annotation_set = AnnotationSetFactory(project=project, annotator=manager.user, document__text=EMOJI_TEXT)
    claim, premise = label_of(project, "argument", "claim"), label_of(project, "argument", "premise")
    head = Span.objects.create(annotation_set=annotation_set, label=claim, start=2, end=11)
    tail = Span.objects.create(annotation_set=annotation_set, label=premise, start=12, end=16)
    relation = Relation.objects.create(
        annotation_set=annotation_set, label=label_of(project, "relation", "supports"), head=head, tail=tail
    )
    comment = Comment.objects.create(annotation_set=annotation_set, span=head, text="why?")
    suggestion = Suggestion.objects.create(
        project=project, document=annotation_set.document, label=claim, start=26, end=31, suggester="rules"
    )
    return {
        "user": manager.user,
        "slug": project.slug,
        "document_id": annotation_set.document_id,
        "set_id": annotation_set.pk,
        "span_id": head.pk,
        "relation_id": relation.pk,
        "comment_id": comment.pk,
        "suggestion_id": suggestion.pk,
        "layer": "stance",
        "username": annotator.username,
        "task_id": "no-such-task",
        "name": "gold.jsonl",
    }


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def malformed_bodies(schema: dict, operation: dict) -> list:
    """An empty body, a body of the wrong shape, then each property in turn given each wrong value."""
    content = (operation.get("requestBody") or {}).get("content", {})
    if not content:
        return [{}, {"unexpected": HUGE}]
    body_schema = resolve(schema, next(iter(content.values()))["schema"])
    bodies: list = [
        {},
        [],
        "a string",
        HUGE,
        {name: value for name in body_schema.get("properties", {}) for value in [HUGE]},
    ]
    for name in body_schema.get("properties", {}):
        bodies += [{name: value} for value in WRONG_VALUES]
    return bodies


def operations(schema: dict) -> list[tuple[str, str, dict]]:
    found = [(path, method, op) for path, ops in schema["paths"].items() for method, op in ops.items()]
    return sorted(found, key=lambda item: METHOD_ORDER.get(item[1], 2))


def fill(path: str, world: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(world[m.group(1)]), path)


def assert_json_error(response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.content[:300]!r}"
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json"), what
        json.loads(response.content)


def test_the_schema_walk_finds_no_5xx(world, client_for):
    client = client_for(world["user"])
    schema = client.get("/api/schema/?format=json").json()
    assert len(schema["paths"]) > 30
    sent = 0
    for path, method, operation in operations(schema):
        url = fill(path, world)
        send = getattr(client, method)
        query = {
            p["name"]: value
            for p in operation.get("parameters", [])
            if p["in"] == "query"
            for value in ["x" * 300]
        }
        for params in (query, {"page": "-1", "page_size": str(HUGE), "task": "../../etc/passwd"}):
            if method == "get":
                assert_json_error(send(url, params), f"GET {url} {params}")
                sent += 1
        if method == "get":
            continue
        for body in malformed_bodies(schema, operation):
            assert_json_error(send(url, body, format="json"), f"{method.upper()} {url} {body!r:.200}")
            sent += 1
        response = send(url, "{not json", content_type="application/json")
        assert_json_error(response, f"{method.upper()} {url} with broken JSON")
        sent += 1
    assert sent > 300


def test_ids_that_do_not_exist_or_overflow_are_404_not_500(world, client_for):
    client = client_for(world["user"])
    for url in (
        f"/api/annotation-sets/{HUGE}/",
        f"/api/annotation-sets/{world['set_id']}/spans/{2**63}/",
        f"/api/projects/{world['slug']}/documents/{2**64}/",
        "/api/projects/no-such-project/",
    ):
        response = client.get(url) if url.count("/") < 7 else client.delete(url)
        assert response.status_code == 404, url
