"""Import throughput: `corpus_import` of generated JSONL against a raw `bulk_create` of the same rows.

Runs in one spawned process against a throw-away SQLite database in a temporary folder, removed
afterwards, so the user's database is never opened. Two corpora: plain articles of about 600 words,
and the same number of articles with about 23 spans each (the issue's 228,000 spans for 10,000).
The baseline inserts exactly the rows the import ends with (documents with their hashes; annotation
sets and spans) with `bulk_create` in batches of the same size, in the same run. The best of
`rounds` counts for each.

Nothing from Django is imported at module level: the spawned process sets its database first.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

from annotator.benchmarks import Row
from annotator.benchmarks.sandbox import in_throwaway_database

SLUG = "benchmark-import"
BATCH = 500
SPANS_PER_DOCUMENT = 23
WORDS_PER_DOCUMENT = 600
PLAIN_TARGET = 8_000  # documents/s
SPANS_TARGET = 750  # documents/s
BASELINE_FACTOR = 3  # plain import within 3x of raw bulk_create
SEEDS_ARTICLES = Path(__file__).resolve().parents[2] / "seeds" / "articles"


def benchmark_records(count: int, spans: int, seed: int = 3) -> list[dict]:
    """Distinct ~600-word articles of the seed vocabulary, each with `spans` argument/rhetoric spans."""
    words = " ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS_ARTICLES.glob("*.txt"))).split()
    rng = random.Random(seed)
    labels = [("argument", "claim"), ("argument", "premise"), ("rhetoric", "loaded-language")]
    records = []
    for i in range(count):
        text = f"Benchmark article {i}. " + " ".join(rng.choice(words) for _ in range(WORDS_PER_DOCUMENT))
        starts = sorted(rng.sample(range(0, len(text) - 40), spans)) if spans else []
        records.append(
            {
                "id": i,
                "title": f"Benchmark article {i}",
                "text": text,
                "spans": [
                    {"id": n, "start": s, "end": s + 30, "layer": layer, "label": label}
                    for n, (s, (layer, label)) in enumerate(
                        zip(starts, (labels[n % 3] for n in range(spans)), strict=True)
                    )
                ],
            }
        )
    return records


def _django(database: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
    import django
    from django.conf import settings

    django.setup()
    # DEBUG keeps and formats every query; that would measure the debug cursor, not the code.
    settings.DEBUG = False


def _baseline(records: list[dict], corpus, project, user) -> float:
    """Seconds to bulk_create the documents, their annotation sets and spans, in one transaction."""
    from django.db import transaction

    from annotator.models import AnnotationSet, Label, Span
    from corpus.models import Document, text_hash

    labels = {(lb.layer.key, lb.value): lb for lb in Label.objects.select_related("layer")}
    start = time.perf_counter()
    with transaction.atomic():
        for i in range(0, len(records), BATCH):
            batch = records[i : i + BATCH]
            documents = Document.objects.bulk_create(
                Document(
                    corpus=corpus,
                    text=r["text"],
                    content_hash=text_hash(r["text"]),
                    title=r["title"],
                    external_id=str(r["id"]),
                )
                for r in batch
            )
            if not batch[0]["spans"]:
                continue
            sets = AnnotationSet.objects.bulk_create(
                AnnotationSet(project=project, document=d, annotator=user, status="submitted")
                for d in documents
            )
            Span.objects.bulk_create(
                Span(
                    annotation_set=s,
                    label=labels[(span["layer"], span["label"])],
                    start=span["start"],
                    end=span["end"],
                    origin="import",
                )
                for s, r in zip(sets, batch, strict=True)
                for span in r["spans"]
            )
    return time.perf_counter() - start


def _empty() -> None:
    """Delete the imported rows with plain SQL (the ORM's cascade collects too many ids for SQLite)."""
    from django.db import connection

    from annotator.models import AnnotationSet, DocumentLabel, Relation, Span
    from corpus.models import Document

    tables = [DocumentLabel.rationale.through, Relation, DocumentLabel, Span, AnnotationSet, Document]
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608 - table names, not input


def _measure(database: str, folder: str, documents: int, rounds: int, results) -> None:
    _django(database)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from annotator.models import Membership, Project
    from annotator.services.seeds import seeds_load
    from corpus.models import Corpus
    from corpus.services import corpus_import

    call_command("migrate", verbosity=0, interactive=False)
    seeds_load()
    scheme = Project.objects.get(slug="seeds").scheme
    user = get_user_model().objects.create_user(SLUG)
    out: dict[str, float] = {}
    for kind, spans in (("plain", 0), ("spans", SPANS_PER_DOCUMENT)):
        records = benchmark_records(documents, spans)
        path = Path(folder) / f"{kind}.jsonl"
        with path.open("w", encoding="utf-8") as stream:
            for record in records:
                stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        out[f"{kind}_spans"] = sum(len(r["spans"]) for r in records)
        best_import = best_raw = float("inf")
        for round_ in range(rounds):
            corpus = Corpus.objects.create(slug=f"{SLUG}-{kind}-{round_}", name="Import benchmark")
            project = Project.objects.create(slug=corpus.slug, name=corpus.slug, corpus=corpus, scheme=scheme)
            Membership.objects.create(project=project, user=user)
            start = time.perf_counter()
            report = corpus_import(
                corpus=corpus,
                path=path,
                format="jsonl",
                project=project,
                annotator=user if spans else None,
                batch_size=BATCH,
            )
            best_import = min(best_import, time.perf_counter() - start)
            if report.documents_created != documents or report.spans != out[f"{kind}_spans"]:
                raise RuntimeError(f"The import did not write every row: {report.as_dict()}")
            raw = Corpus.objects.create(slug=f"{SLUG}-{kind}-{round_}-raw", name="Baseline")
            raw_project = Project.objects.create(slug=raw.slug, name=raw.slug, corpus=raw, scheme=scheme)
            best_raw = min(best_raw, _baseline(records, raw, raw_project, user))
            _empty()  # untimed: every round starts from the same database size
        out[f"{kind}_import"] = documents / best_import
        out[f"{kind}_raw"] = documents / best_raw
    results.put(out)


def run(documents: int = 10_000, rounds: int = 2) -> list[Row]:
    """Import `documents` plain and annotated articles; print docs/s beside raw bulk_create."""
    out = in_throwaway_database("import", _measure, documents, rounds)
    plain, plain_raw = out["plain_import"], out["plain_raw"]
    spans, spans_raw = out["spans_import"], out["spans_raw"]
    return [
        Row(f"documents per corpus (~{WORDS_PER_DOCUMENT} words each)", documents, "docs"),
        Row("baseline: raw bulk_create, plain", plain_raw, "doc/s"),
        Row("import_corpus jsonl, plain", plain, "doc/s", f">= {PLAIN_TARGET}", plain >= PLAIN_TARGET),
        Row(
            "  raw bulk_create over import, plain",
            plain_raw / plain,
            "x",
            f"<= {BASELINE_FACTOR}",
            plain_raw / plain <= BASELINE_FACTOR,
        ),
        Row(f"spans in the annotated corpus ({SPANS_PER_DOCUMENT} a document)", out["spans_spans"], "spans"),
        Row("baseline: raw bulk_create, with spans", spans_raw, "doc/s"),
        Row("import_corpus jsonl, with spans", spans, "doc/s", f">= {SPANS_TARGET}", spans >= SPANS_TARGET),
        Row("  raw bulk_create over import, with spans", spans_raw / spans, "x"),
    ]
