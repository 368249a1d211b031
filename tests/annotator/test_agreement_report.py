"""`manage.py agreement` over a project with three annotators' submitted work."""

import json

import pytest
from django.core.management import CommandError, call_command
from factories import AnnotationSetFactory, DocumentFactory, ProjectFactory, UserFactory, label_of

from annotator.agreement import fleiss_kappa, krippendorff_alpha, unitized_alpha
from annotator.models import AnnotationSet, DocumentLabel, Relation, Span

pytestmark = pytest.mark.django_db

E, S, N, X = "pro-engagement", "pro-sanctions", "neutral-or-mixed", "not-about-policy"
LAYERS = [
    {"key": "stance", "kind": "document", "labels": [E, S, N, X]},
    {"key": "argument", "kind": "span", "labels": ["claim", "premise", "evidence"]},
    {"key": "rhetoric", "kind": "span", "labels": ["loaded-language", "exaggeration"]},
    {"key": "relation", "kind": "relation", "labels": ["supports", "attacks"]},
]

# Stance per document for annotators a, b and c (None: c did not submit that document).
STANCES = [(E, E, E), (S, S, N), (N, S, N), (E, E, None), (X, E, None)]

# On the first document: a claim and a premise that supports it, numbered as steps 1 and 2.
# b's premise starts two characters later than a's and c's.
ARGUMENTS = {"a": [(0, 10, "claim"), (12, 30, "premise")], "b": [(0, 10, "claim"), (14, 30, "premise")]}
ARGUMENTS["c"] = ARGUMENTS["a"]


def submitted_set(project, document, user, stance, arguments=()):
    annotation_set = AnnotationSetFactory(
        project=project, document=document, annotator=user, status=AnnotationSet.Status.SUBMITTED
    )
    spans = [
        Span.objects.create(
            annotation_set=annotation_set,
            label=label_of(project, "argument", label),
            start=start,
            end=end,
            step=step,
        )
        for step, (start, end, label) in enumerate(arguments, start=1)
    ]
    if len(spans) == 2:
        Relation.objects.create(
            annotation_set=annotation_set,
            label=label_of(project, "relation", "supports"),
            head=spans[1],
            tail=spans[0],
        )
    document_label = DocumentLabel.objects.create(
        annotation_set=annotation_set,
        layer=project.scheme.layers.get(key="stance"),
        label=label_of(project, "stance", stance),
        confidence=3,
    )
    if spans:
        document_label.rationale.set([spans[0]])
    return annotation_set


@pytest.fixture
def team_project():
    project = ProjectFactory(slug="team", scheme__layers=LAYERS)
    users = {name: UserFactory(username=f"ann-{name}") for name in "abc"}
    documents = [DocumentFactory(corpus=project.corpus) for _ in STANCES]
    for index, (document, stances) in enumerate(zip(documents, STANCES, strict=True)):
        for name, stance in zip("abc", stances, strict=True):
            if stance is not None:
                arguments = ARGUMENTS[name] if index == 0 else ()
                submitted_set(project, document, users[name], stance, arguments)
    # Work in progress does not count.
    AnnotationSetFactory(project=project, document=documents[1], annotator=UserFactory(username="ann-d"))
    project.documents = documents
    return project


def agreement_json(slug: str, capsys) -> dict:
    call_command("agreement", slug, "--json")
    return json.loads(capsys.readouterr().out)


def test_json_has_the_three_sections(team_project, capsys):
    report = agreement_json("team", capsys)
    assert {"stance", "spans", "relations"} <= set(report)
    assert report["n_documents"] == 5
    assert set(report["spans"]) == {"argument", "rhetoric"}


def test_stance_figures(team_project, capsys):
    stance = agreement_json("team", capsys)["stance"]
    assert stance["n_documents"] == 5
    assert stance["annotators"] == ["ann-a", "ann-b", "ann-c"]  # the in-progress ann-d is left out
    pairs = {(p["a"], p["b"]): p for p in stance["pairs"]}
    # a vs b over 5 documents: observed 3/5; chance (2·3 + 1·2)/25 = 8/25; kappa = 0.28 / 0.68.
    assert pairs["ann-a", "ann-b"]["n_documents"] == 5
    assert pairs["ann-a", "ann-b"]["cohen_kappa"] == pytest.approx(7 / 17)
    # a vs c over 3 documents: observed 2/3; chance (1·1 + 1·2)/9 = 1/3; kappa = 0.5.
    assert pairs["ann-a", "ann-c"]["n_documents"] == 3
    assert pairs["ann-a", "ann-c"]["cohen_kappa"] == pytest.approx(0.5)
    # Fleiss' kappa over the three documents rated by all three annotators.
    assert stance["fleiss_kappa"]["n_documents"] == 3
    assert stance["fleiss_kappa"]["ratings_per_document"] == 3
    assert stance["fleiss_kappa"]["value"] == pytest.approx(fleiss_kappa([[E, E, E], [S, S, N], [N, S, N]]))
    # Alpha over annotators × documents; `not-about-policy` is missing on the ordinal scale.
    matrix = [[row[i] for row in STANCES] for i in range(3)]
    assert stance["alpha_nominal"] == pytest.approx(krippendorff_alpha(matrix, "nominal"))
    ordinal = [[None if value == X else value for value in row] for row in matrix]
    assert stance["alpha_ordinal"] == pytest.approx(krippendorff_alpha(ordinal, "ordinal", order=[S, N, E]))
    assert stance["alpha_ordinal"] != pytest.approx(stance["alpha_nominal"])
    # The pair sharing the most documents: rows a, columns b.
    assert stance["confusion"] == {
        "a": "ann-a",
        "b": "ann-b",
        "labels": [E, S, N, X],
        "matrix": [[2, 0, 0, 0], [0, 1, 0, 0], [0, 1, 0, 0], [1, 0, 0, 0]],
    }
    # Rationale: everyone ticked their claim on the first document, which all three marked identically.
    assert stance["rationale"]["exact"]["f1"] == 1.0


def test_span_figures(team_project, capsys):
    spans = agreement_json("team", capsys)["spans"]
    argument = spans["argument"]
    # Exact: a–c agree fully (1.0); a–b and b–c share the claim only (F1 0.5 each).
    assert argument["exact"]["pairs"] == 3
    assert argument["exact"]["f1"] == pytest.approx((1.0 + 0.5 + 0.5) / 3)
    assert argument["overlap"]["f1"] == pytest.approx(1.0)
    assert argument["per_label"]["premise"]["exact"]["f1"] == pytest.approx(1 / 3)
    assert argument["per_label"]["claim"]["exact"]["f1"] == 1.0
    expected_alpha_u = unitized_alpha(
        {name: [(s, e, label) for s, e, label in units] for name, units in ARGUMENTS.items()},
        len(team_project.documents[0].text),
    )
    assert argument["alpha_u"]["value"] == pytest.approx(expected_alpha_u)
    assert 0 < argument["alpha_u"]["value"] < 1
    assert argument["alpha_u"]["n_documents"] == 1
    # Nobody used the rhetoric layer: nothing to compare.
    assert spans["rhetoric"]["exact"]["f1"] is None
    assert spans["rhetoric"]["alpha_u"]["value"] is None


def test_relation_figures(team_project, capsys):
    relations = agreement_json("team", capsys)["relations"]
    # b's premise has other offsets, so only a–c match exactly; with overlap every pair matches.
    assert relations["exact"]["f1"] == pytest.approx(1 / 3)
    assert relations["overlap"]["f1"] == pytest.approx(1.0)
    assert relations["per_label"]["relation:supports"]["overlap"]["pairs"] == 3
    assert relations["step_order"]["overlap"] == {"kendall_tau": 1.0, "n_comparisons": 3}
    # Exact matching pairs only a–c's premises, so only that pair has two shared components.
    assert relations["step_order"]["exact"] == {"kendall_tau": 1.0, "n_comparisons": 1}


def test_report_loads_with_a_fixed_number_of_queries(team_project, django_assert_max_num_queries):
    from annotator.services.agreement_report import project_agreement

    with django_assert_max_num_queries(12):
        project_agreement(team_project)


def test_text_output_has_aligned_tables(team_project, capsys):
    call_command("agreement", "team")
    out = capsys.readouterr().out
    assert "Cohen's kappa per pair of annotators" in out
    assert "Confusion matrix: rows ann-a, columns ann-b" in out
    lines = out.splitlines()
    header = next(line for line in lines if line.strip().startswith("annotator a"))
    row = next(line for line in lines if line.strip().startswith("ann-a") and "ann-b" in line)
    assert row.index("ann-b") == header.index("annotator b")
    assert any(line.strip().startswith("argument") and "0.667" in line for line in lines)


def test_empty_project_prints_without_figures(capsys):
    ProjectFactory(slug="empty")
    report = agreement_json("empty", capsys)
    assert report["stance"]["n_documents"] == 0
    assert report["stance"]["alpha_nominal"] is None
    assert report["relations"]["exact"]["f1"] is None
    call_command("agreement", "empty")
    assert "0 documents" in capsys.readouterr().out


def test_unknown_project_is_an_error():
    with pytest.raises(CommandError, match="No project 'nope'"):
        call_command("agreement", "nope")


def test_counts_over_consecutive_parts_add_up_to_the_counts_over_all(team_project):
    """What lets a large project be counted in parallel parts: merged parts equal one pass."""
    from annotator.services import agreement_report as report

    stance_layer = team_project.scheme.layers.get(key="stance").pk
    span_layers = ["argument", "rhetoric"]
    ids = report.submitted_document_ids(team_project)
    whole = report._counts(team_project, stance_layer, span_layers, ids)
    merged = report._counts(team_project, stance_layer, span_layers, ids[:2])
    merged.merge(report._counts(team_project, stance_layer, span_layers, ids[2:]))
    assert vars(merged) | {"rationale": None, "spans": None, "relations": None} == vars(whole) | {
        "rationale": None,
        "spans": None,
        "relations": None,
    }
    for name in ("rationale", "spans", "relations"):
        assert list(getattr(merged, name).totals.items()) == list(getattr(whole, name).totals.items())


PARALLEL_RUN = """
import json, os, django
django.setup()
from annotator.models import Project
from annotator.services import agreement_report as report
report.PARALLEL_MIN_DOCUMENTS = 2
os.cpu_count = lambda: 2
project = Project.objects.get(slug="team")
assert report._processes(len(report.submitted_document_ids(project))) == 2
print(json.dumps(report.project_agreement(project)))
"""


@pytest.mark.django_db(transaction=True)
def test_a_large_project_counted_in_parallel_processes_gives_the_same_report(team_project):
    """Run in a fresh single-threaded process, as the command and benchmark run it (pytest has threads)."""
    import os
    import subprocess
    import sys

    from django.conf import settings
    from django.db import connection

    from annotator.services.agreement_report import project_agreement

    if connection.vendor == "sqlite":
        pytest.skip("the test database is in memory, which other processes cannot open")
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "annotator.settings"}
    done = subprocess.run(
        [sys.executable, "-c", PARALLEL_RUN], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    one_process = json.loads(json.dumps(project_agreement(team_project)))
    assert json.loads(done.stdout.strip().splitlines()[-1]) == one_process
