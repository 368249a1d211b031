"""Agreement on a large project: `project_agreement` over 10,000 documents × 3 annotators.

Runs in a spawned process against a throw-away SQLite database in a temporary folder, removed
afterwards, so the user's database is never opened. The fixture (documents, submitted annotation
sets with a stance, ~10 spans, a few relations and a rationale span each) is written with
`bulk_create` and raw `executemany`; it is not timed. The timed run is `project_agreement` end to
end, loading included. Baselines in the same run: reading the same span rows with one raw SQL
query, and the `krippendorff` package's nominal alpha on the same stance matrix.

Nothing from Django is imported at module level: the spawned process imports this module first
and sets its database before Django starts.
"""

from __future__ import annotations

import os
import random
import time

from annotator.benchmarks import Row
from annotator.benchmarks.sandbox import in_throwaway_database

SLUG = "benchmark-agreement"
TARGET_SECONDS = 5.0
TEXT_WORDS = 300
SPAN_LAYERS = {"argument": 4, "source": 2, "rhetoric": 4}  # spans per layer in a document's base version
RELATIONS = 3
STANCES = ("pro-engagement", "pro-sanctions", "neutral-or-mixed", "not-about-policy")


def _django(database: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
    import django

    django.setup()


def _base_spans(
    rng: random.Random, length: int, labels: dict[str, list[str]]
) -> list[tuple[int, int, str, str]]:
    """A document's spans before annotators differ: layer by layer, in disjoint slots of the text."""
    slots = rng.sample(range(length // 50), sum(SPAN_LAYERS.values()))
    spans = []
    for layer, count in SPAN_LAYERS.items():
        for _ in range(count):
            start = slots.pop() * 50 + rng.randrange(5)
            spans.append((start, start + rng.randrange(10, 45), layer, rng.choice(labels[layer])))
    return spans


def benchmark_fixture(project, documents: int, annotators: int = 3, seed: int = 7) -> dict[str, int]:
    """Write `documents` documents with every annotator's submitted set into the project; return counts."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from annotator.models import AnnotationSet, DocumentLabel, Label, Membership, Relation, Span
    from corpus.models import Document, text_hash

    rng = random.Random(seed)
    labels: dict[str, list[str]] = {}
    label_ids: dict[tuple[str, str], int] = {}
    for pk, layer, value in Label.objects.filter(layer__scheme_id=project.scheme_id).values_list(
        "id", "layer__key", "value"
    ):
        labels.setdefault(layer, []).append(value)
        label_ids[layer, value] = pk
    stance_layer = Label.objects.get(pk=label_ids["stance", STANCES[0]]).layer_id
    users = [get_user_model().objects.create_user(f"{SLUG}-{number}") for number in range(1, annotators + 1)]
    Membership.objects.bulk_create(Membership(project=project, user=user) for user in users)
    words = [f"w{i}" for i in range(500)]
    now = timezone.now().isoformat()
    spans, relations, stances, rationale = [], [], [], []
    next_span = (Span.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    next_label = (DocumentLabel.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    with transaction.atomic():
        docs = Document.objects.bulk_create(
            Document(corpus=project.corpus, title=f"Agreement {i}", text=text, content_hash=text_hash(text))
            for i in range(documents)
            for text in [f"Agreement benchmark {i}. " + " ".join(rng.choices(words, k=TEXT_WORDS))]
        )
        sets = AnnotationSet.objects.bulk_create(
            AnnotationSet(
                project=project,
                document=document,
                annotator=user,
                status=AnnotationSet.Status.SUBMITTED,
                submitted_at=timezone.now(),
            )
            for document in docs
            for user in users
        )
        for index, document in enumerate(docs):
            base = _base_spans(rng, len(document.text), labels)
            stance = rng.choice(STANCES)
            for annotation_set in sets[index * annotators : (index + 1) * annotators]:
                mine = []
                for start, end, layer, label in base:
                    roll = rng.random()
                    if roll < 0.1:
                        continue
                    if roll < 0.25:
                        start = max(0, start + rng.choice((-3, 2)))
                    elif roll < 0.3:
                        label = rng.choice(labels[layer])
                    mine.append((next_span, start, end, layer, label))
                    next_span += 1
                steps = 0
                for pk, start, end, layer, label in mine:
                    step = None
                    if layer == "argument":
                        steps += 1
                        step = steps
                    spans.append((pk, annotation_set.pk, label_ids[layer, label], start, end, step, now))
                argument = [pk for pk, *_, layer, _ in mine if layer == "argument"]
                for head, tail in list(zip(argument, argument[1:], strict=False))[:RELATIONS]:
                    label = "supports" if rng.random() < 0.8 else "attacks"
                    relations.append((annotation_set.pk, label_ids["relation", label], head, tail, now))
                value = stance if rng.random() < 0.75 else rng.choice(STANCES)
                stances.append(
                    (
                        next_label,
                        annotation_set.pk,
                        stance_layer,
                        label_ids["stance", value],
                        rng.randint(1, 5),
                        now,
                    )
                )
                if argument:
                    rationale.append((next_label, argument[0]))
                next_label += 1
        table = {model: model._meta.db_table for model in (Span, Relation, DocumentLabel)}
        through = DocumentLabel.rationale.through._meta.db_table
        with connection.cursor() as cursor:
            cursor.executemany(
                f'INSERT INTO {table[Span]} (id, annotation_set_id, label_id, start, "end", step, '  # noqa: S608
                "attributes, origin, provenance, created_at) VALUES (%s, %s, %s, %s, %s, %s, '{}', 'manual', "
                "'{}', %s)",
                spans,
            )
            cursor.executemany(
                f"INSERT INTO {table[Relation]} (annotation_set_id, label_id, head_id, tail_id, "  # noqa: S608
                "provenance, created_at) VALUES (%s, %s, %s, %s, '{}', %s)",
                relations,
            )
            cursor.executemany(
                f"INSERT INTO {table[DocumentLabel]} (id, annotation_set_id, layer_id, label_id, "  # noqa: S608
                "confidence, provenance, updated_at) VALUES (%s, %s, %s, %s, %s, '{}', %s)",
                stances,
            )
            cursor.executemany(
                f"INSERT INTO {through} (documentlabel_id, span_id) VALUES (%s, %s)",  # noqa: S608
                rationale,
            )
    return {
        "documents": documents,
        "annotation_sets": len(sets),
        "spans": len(spans),
        "relations": len(relations),
        "stances": len(stances),
    }


def _raw_read(project) -> float:
    """Seconds to read the submitted spans with their layer and label in one raw SQL query."""
    from django.db import connection

    from annotator.models import AnnotationSet, Label, Layer, Span

    span, annotation_set = Span._meta.db_table, AnnotationSet._meta.db_table
    label, layer = Label._meta.db_table, Layer._meta.db_table
    query = (
        f's.id, s.annotation_set_id, s.start, s."end", y.key, l.value, s.step FROM {span} s '  # noqa: S608
        f"JOIN {annotation_set} a ON a.id = s.annotation_set_id JOIN {label} l ON l.id = s.label_id "
        f"JOIN {layer} y ON y.id = l.layer_id WHERE a.project_id = %s AND a.status = 'submitted' "
        'ORDER BY s.annotation_set_id, s.start, s."end", s.id'
    )
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {query}", [project.pk])
        cursor.fetchall()
    return time.perf_counter() - start


def _krippendorff_package(project) -> float | None:
    """Seconds for the `krippendorff` package's nominal alpha on the stance matrix (None if missing)."""
    try:
        import krippendorff
        import numpy as np
    except ImportError:
        return None
    from annotator.models import AnnotationSet, DocumentLabel

    rows = DocumentLabel.objects.filter(
        annotation_set__project=project, annotation_set__status=AnnotationSet.Status.SUBMITTED
    ).values_list("annotation_set__annotator__username", "annotation_set__document_id", "label__value")
    annotators = sorted({a for a, _, _ in rows})
    documents = sorted({d for _, d, _ in rows})
    values = {value: i for i, value in enumerate(STANCES)}
    matrix = np.full((len(annotators), len(documents)), np.nan)
    row, column = {a: i for i, a in enumerate(annotators)}, {d: i for i, d in enumerate(documents)}
    for annotator, document, value in rows:
        matrix[row[annotator], column[document]] = values[value]
    start = time.perf_counter()
    krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    return time.perf_counter() - start


def measure(documents: int, annotators: int = 3, rounds: int = 2) -> dict[str, float]:
    """Fixture, then the timed runs, in the current (throw-away) database; seconds and counts."""
    from django.core.management import call_command

    from annotator.models import Project
    from annotator.services.agreement_report import project_agreement
    from annotator.services.seeds import seeds_load
    from corpus.models import Corpus

    call_command("migrate", verbosity=0, interactive=False)
    seeds_load()
    corpus = Corpus.objects.create(slug=SLUG, name="Agreement benchmark")
    project = Project.objects.create(
        slug=SLUG, name="Agreement benchmark", corpus=corpus, scheme=Project.objects.get(slug="seeds").scheme
    )
    out: dict[str, float] = dict(benchmark_fixture(project, documents, annotators))
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        report = project_agreement(project)
        best = min(best, time.perf_counter() - start)
    if report["n_documents"] != documents or report["stance"]["n_annotators"] != annotators:
        raise RuntimeError(f"project_agreement did not see every document: {report['n_documents']}")
    out["agreement"] = best
    out["alpha_nominal"] = report["stance"]["alpha_nominal"] or 0.0
    out["raw_read"] = min(_raw_read(project) for _ in range(rounds))
    package = _krippendorff_package(project)
    if package is not None:
        out["krippendorff"] = package
    return out


def _measure(database: str, folder: str, documents: int, annotators: int, rounds: int, results) -> None:
    _django(database)
    results.put(measure(documents, annotators, rounds))


def run(documents: int = 10_000, annotators: int = 3, rounds: int = 2) -> list[Row]:
    """Time `project_agreement` on `documents` × `annotators` submitted sets against its target."""
    out = in_throwaway_database("agreement", _measure, documents, annotators, rounds)
    seconds = out["agreement"]
    rows = [
        Row(f"documents × {annotators} annotators, submitted", out["documents"], "docs"),
        Row("  spans in the submitted sets", out["spans"], "spans"),
        Row("  relations in the submitted sets", out["relations"], "rels"),
        Row("baseline: read the spans, one raw SQL query", out["raw_read"] * 1000, "ms"),
    ]
    if "krippendorff" in out:
        rows.append(Row("baseline: krippendorff package, stance alpha", out["krippendorff"] * 1000, "ms"))
    rows.append(
        Row(
            "project_agreement, loading included",
            seconds,
            "s",
            f"<= {TARGET_SECONDS:g} s",
            seconds <= TARGET_SECONDS,
        )
    )
    return rows
