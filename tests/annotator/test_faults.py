"""Faults: a killed web server, three people writing one document at once, a project moved by backup."""

import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from factories import DocumentFactory, MembershipFactory, UserFactory, label_of
from rest_framework.test import APIClient

from annotator.benchmarks.browser import free_port
from annotator.benchmarks.load import in_database, migrate, server_env
from annotator.models import (
    AnnotationSet,
    AuditEvent,
    Comment,
    DocumentLabel,
    GoldChange,
    Membership,
    Relation,
    Span,
    Suggestion,
    SuggestionDecision,
)
from annotator.services import annotations, comments, curation, suggestion_review
from annotator.services.backup import project_digest

ROOT = Path(__file__).resolve().parents[2]
TEXT = "Talks are the only way out. Sanctions have failed. Kim fears the worst. Seoul waits for a sign."


def serve(url: str, token: str) -> tuple[subprocess.Popen, int]:
    """gunicorn with two sync workers on a free port, in its own process group; returns once it answers."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "annotator.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "error",
        ],
        cwd=ROOT,
        env=server_env(url),
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/projects/", headers={"Authorization": f"Token {token}"})
            if connection.getresponse().status == 200:
                return server, port
        except OSError:
            assert time.monotonic() < deadline and server.poll() is None, "gunicorn did not start"
            time.sleep(0.05)


def call(port: int, token: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    connection.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    response = connection.getresponse()
    return response.status, json.loads(response.read() or b"{}")


@pytest.mark.slow
def test_every_acknowledged_write_survives_killing_the_web_server(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    migrate(url)
    fixture = in_database(url, "fixture_make", annotators=1, batches=1, rounds=1)
    token, (document,) = fixture["tokens"][0], fixture["batches"][0]
    server, port = serve(url, token)
    try:
        _, doc = call(port, token, "GET", f"/api/projects/load/documents/{document}/")
        _, annotation_set = call(
            port, token, "GET", f"/api/projects/load/documents/{document}/annotation-set/"
        )
        words = [i for i, ch in enumerate(doc["text"]) if i == 0 or doc["text"][i - 1] == " "]
        acknowledged: list[int] = []

        def burst() -> None:
            version = annotation_set["version"]
            for n in range(3 * (len(words) - 2)):
                body = {
                    "version": version,
                    "layer": "argument",
                    "label": ["claim", "premise", "evidence"][n % 3],
                    "start": words[n // 3],
                    "end": words[n // 3 + 1] - 1,
                }
                try:
                    status, data = call(
                        port, token, "POST", f"/api/annotation-sets/{annotation_set['id']}/spans/", body
                    )
                except OSError:
                    return  # the server is gone
                assert status == 201, data
                acknowledged.append(data["span"]["id"])
                version = data["version"]

        writer = threading.Thread(target=burst)
        writer.start()
        while len(acknowledged) < 40 and writer.is_alive():
            time.sleep(0.005)
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        writer.join(timeout=30)
        assert len(acknowledged) >= 40
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
    server, port = serve(url, token)
    try:
        _, after = call(port, token, "GET", f"/api/annotation-sets/{annotation_set['id']}/")
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    stored = {span["id"] for span in after["spans"]}
    assert set(acknowledged) <= stored
    # At most the write in flight when the server died may have landed without an answer.
    assert len(stored) - len(acknowledged) in (0, 1)
    assert after["version"] == annotation_set["version"] + len(stored)


@pytest.mark.django_db(transaction=True)
def test_two_annotators_and_a_curator_on_one_document_lose_no_update():
    """Each person has two tabs writing at once from the same version: one wins, the other gets 409.

    On PostgreSQL the tabs run truly in parallel, each thread with its own connection. The in-memory
    SQLite test database locks whole tables across threads, so there the requests take turns (still
    each based on the version read before the other wrote).
    """
    rounds = 6
    ann = MembershipFactory(user=UserFactory(username="ann"))
    project = ann.project
    bob = MembershipFactory(project=project, user=UserFactory(username="bob")).user
    cy = MembershipFactory(project=project, user=UserFactory(username="cy")).user
    cora = MembershipFactory(
        project=project, user=UserFactory(username="cora"), role=Membership.Role.CURATOR
    ).user
    document = DocumentFactory(corpus=project.corpus, text=TEXT * 4)
    words = [i for i, ch in enumerate(document.text) if i == 0 or document.text[i - 1] == " "]
    submitted = AnnotationSet.objects.create(
        project=project, document=document, annotator=cy, status=AnnotationSet.Status.SUBMITTED
    )
    claim = label_of(project, "argument", "claim")
    cy_spans = [
        Span.objects.create(annotation_set=submitted, label=claim, start=words[n], end=words[n + 1] - 1).pk
        for n in range(2 * rounds)
    ]
    sets = {
        user.username: AnnotationSet.objects.create(project=project, document=document, annotator=user)
        for user in (ann.user, bob)
    }
    gold = curation.curation_start(project=project, document=document, curator=cora)
    start_versions = {"ann": sets["ann"].version, "bob": sets["bob"].version, "cora": gold.version}
    barrier = threading.Barrier(6)
    outcomes: dict[str, list[int]] = {"ann": [], "bob": [], "cora": []}
    failures: list[BaseException] = []
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()

    def tab(user, name: str, number: int) -> None:
        client = APIClient()
        client.force_authenticate(user)
        try:
            for r in range(rounds):
                barrier.wait(timeout=30)
                if name == "cora":
                    with turns:
                        version = AnnotationSet.objects.get(pk=gold.pk).version
                    barrier.wait(timeout=30)
                    with turns:
                        response = client.post(
                            f"/api/projects/{project.slug}/documents/{document.pk}/curation/accept/",
                            {"version": version, "kind": "span", "id": cy_spans[2 * r + number]},
                            format="json",
                        )
                else:
                    annotation_set = sets[name]
                    with turns:
                        version = AnnotationSet.objects.get(pk=annotation_set.pk).version
                    barrier.wait(timeout=30)
                    n = 2 * r + number
                    with turns:
                        response = client.post(
                            f"/api/annotation-sets/{annotation_set.pk}/spans/",
                            {
                                "version": version,
                                "layer": "argument",
                                "label": "premise",
                                "start": words[n],
                                "end": words[n + 1] - 1,
                            },
                            format="json",
                        )
                outcomes[name].append(response.status_code)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            failures.append(error)
            barrier.abort()
        finally:
            connection.close()

    threads = [
        threading.Thread(target=tab, args=(user, name, number))
        for user, name in ((ann.user, "ann"), (bob, "bob"), (cora, "cora"))
        for number in (0, 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    for name, statuses in outcomes.items():
        won = sum(1 for status in statuses if status in (200, 201))
        assert (won, statuses.count(409), len(statuses)) == (rounds, rounds, 2 * rounds), (name, statuses)
    for name in ("ann", "bob"):
        annotation_set = AnnotationSet.objects.get(pk=sets[name].pk)
        assert annotation_set.version == start_versions[name] + rounds
        assert Span.objects.filter(annotation_set=annotation_set).count() == rounds
    gold.refresh_from_db()
    assert gold.version == start_versions["cora"] + rounds
    assert GoldChange.objects.filter(annotation_set=gold, action="accept").count() == rounds


def rich_project():
    """A project with every kind of thing a dump must carry: annotations, suggestions, gold with history."""
    ann = MembershipFactory(user=UserFactory(username="ann"))
    project = ann.project
    bob = MembershipFactory(project=project, user=UserFactory(username="bob"), is_control=True).user
    cora = MembershipFactory(
        project=project, user=UserFactory(username="cora"), role=Membership.Role.CURATOR
    ).user
    document = DocumentFactory(corpus=project.corpus, text=TEXT, meta={"source": "wire", "n": 1})
    DocumentFactory(corpus=project.corpus, text="An untouched document with a snowman ☃ in it.")
    suggestion = Suggestion.objects.create(
        project=project,
        document=document,
        label=label_of(project, "argument", "premise"),
        start=TEXT.index("Sanctions"),
        end=TEXT.index(" Kim") - 1,
        score=0.8,
        suggester="rules",
        suggester_version="1",
        reason="cue word",
    )
    for user in (ann.user, bob):
        annotation_set = annotations.annotation_set_get_or_create(
            project=project, document=document, user=user
        )
        claim = annotations.span_create(
            annotation_set=annotation_set,
            version=annotation_set.version,
            layer="argument",
            label="claim",
            start=0,
            end=TEXT.index("."),
            step=1,
            attributes={"note": "ünïcode"},
        )
        if user == ann.user:
            premise, _ = suggestion_review.suggestion_accept(
                annotation_set=annotation_set, version=annotation_set.version, suggestion=suggestion.pk
            )
            annotations.relation_create(
                annotation_set=annotation_set,
                version=annotation_set.version,
                label="supports",
                head=premise.pk,
                tail=claim.pk,
            )
            comments.comment_create(
                annotation_set=annotation_set,
                version=annotation_set.version,
                text="sure?",
                flag="unsure",
                span=claim.pk,
            )
        annotations.document_label_set(
            annotation_set=annotation_set,
            version=annotation_set.version,
            label="pro-engagement",
            confidence=4,
            rationale=[claim.pk],
        )
        annotations.annotation_set_submit(annotation_set=annotation_set, version=annotation_set.version)
    gold = curation.curation_start(project=project, document=document, curator=cora)
    ann_premise = Span.objects.get(annotation_set__annotator=ann.user, label__value="premise")
    curation.curation_accept(
        gold=gold, version=gold.version, curator=cora, kind="span", source=ann_premise.pk
    )
    curation.curation_submit(gold=gold, version=gold.version, curator=cora)
    return project


@pytest.mark.slow
@pytest.mark.django_db
def test_a_project_moves_to_a_fresh_database_with_nothing_lost(tmp_path):
    project = rich_project()
    counts = {
        model.__name__: model.objects.filter(**{lookup: project}).count()
        for model, lookup in [
            (AnnotationSet, "project"),
            (Span, "annotation_set__project"),
            (Relation, "annotation_set__project"),
            (DocumentLabel, "annotation_set__project"),
            (Comment, "annotation_set__project"),
            (SuggestionDecision, "annotation_set__project"),
            (GoldChange, "annotation_set__project"),
            (Suggestion, "project"),
            (AuditEvent, "project"),
        ]
    }
    assert all(counts.values()), counts
    dump = tmp_path / "project.jsonl"
    call_command("dump_project", project.slug, out=dump)

    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    migrate(fresh)
    env = {**os.environ, "DATABASE_URL": fresh}
    restored = subprocess.run(
        [sys.executable, "manage.py", "restore_project", str(dump)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert restored.returncode == 0, restored.stderr
    assert f"digest {project_digest(project)}" in restored.stdout
    again = tmp_path / "again.jsonl"
    subprocess.run(
        [sys.executable, "manage.py", "dump_project", project.slug, "--out", str(again)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert again.read_bytes() == dump.read_bytes()
    lines = [json.loads(line) for line in dump.read_text(encoding="utf-8").splitlines()]
    (gold,) = [line for line in lines if line["type"] == "annotation_set" and line["kind"] == "gold"]
    assert gold["status"] == "submitted" and gold["gold_changes"] and gold["spans"][0]["provenance"]
    assert sum(len(line["spans"]) for line in lines if line["type"] == "annotation_set") == counts["Span"]

    # Restoring twice is refused and changes nothing.
    twice = subprocess.run(
        [sys.executable, "manage.py", "restore_project", str(dump)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert twice.returncode != 0 and "exists here already" in twice.stderr
