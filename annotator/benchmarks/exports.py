"""Gold JSONL export: speed against a raw SQL export of the same rows, memory, and the app meanwhile.

Runs in a spawned process against a throw-away SQLite database in a temporary folder (removed
afterwards), so the user's database is never opened. It imports 10,000 of the import benchmark's
~600-word articles, each with 23 spans and a stance with two rationale spans, as one annotator's
submitted work (so each is gold), then:

- times `jsonl.write` (what `export_gold --format jsonl` runs) into a file, best of `rounds`,
  beside a baseline that SELECTs the same rows with raw SQL and writes them with `json.dumps`;
- measures the export's peak memory (tracemalloc) at 1,000 and 10,000 documents (and 100,000 with
  STANCEMARK_BENCH_EXPORT_LARGE=1, which takes a few minutes more);
- exports again in another process while this one fetches annotation sets the way the workspace
  does (`annotation_set_payload`) and writes to them, and reports their p99 and any error such as
  "database is locked".

Nothing from Django is imported at module level: the spawned processes set their database first.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import time
import tracemalloc
from pathlib import Path

from annotator.benchmarks import Row
from annotator.benchmarks.imports import SPANS_PER_DOCUMENT, _django, benchmark_records
from annotator.benchmarks.sandbox import in_throwaway_database

SLUG = "benchmark-export"
EXPORT_SECONDS_TARGET = 5.0  # for 10,000 documents
MEMORY_GROWTH_TARGET = 50  # MB, peak at the largest size over the peak at 1,000 documents
STANCES = ["pro-engagement", "pro-sanctions", "neutral-or-mixed", "not-about-policy"]


def _records(count: int) -> list[dict]:
    records = benchmark_records(count, SPANS_PER_DOCUMENT)
    for record in records:
        record["stance"] = {"label": STANCES[record["id"] % 4], "confidence": 3, "rationale": [0, 1]}
    return records


def _project(folder: str, count: int, scheme, user):
    """A corpus and project of `count` annotated documents, imported as `user`'s submitted work."""
    from annotator.models import Membership, Project
    from corpus.models import Corpus
    from corpus.services import corpus_import

    path = Path(folder) / f"in-{count}.jsonl"
    with path.open("w", encoding="utf-8") as stream:
        for record in _records(count):
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    slug = f"{SLUG}-{count}"
    corpus = Corpus.objects.create(slug=slug, name="Export benchmark")
    project = Project.objects.create(slug=slug, name=slug, corpus=corpus, scheme=scheme)
    Membership.objects.create(project=project, user=user)
    corpus_import(corpus=corpus, path=path, format="jsonl", project=project, annotator=user)
    path.unlink()
    return project


def _export(project, path: Path) -> int:
    from annotator.exporters import jsonl

    with path.open("w", encoding="utf-8", newline="") as stream:
        return jsonl.write(project, stream).documents


def _baseline(project, path: Path) -> int:
    """Write the same documents, spans and stances with raw SQL cursors and json.dumps."""
    from django.db import connection

    from annotator.models import AnnotationSet, DocumentLabel, Label, Layer, Span
    from corpus.models import Document

    document, annotation_set = Document._meta.db_table, AnnotationSet._meta.db_table
    span, label, layer = Span._meta.db_table, Label._meta.db_table, Layer._meta.db_table
    document_label = DocumentLabel._meta.db_table
    spans_sql = (
        f"SELECT a.document_id, s.id, s.start, s.end, y.key, l.value FROM {span} s "  # noqa: S608
        f"JOIN {annotation_set} a ON a.id = s.annotation_set_id JOIN {label} l ON l.id = s.label_id "
        f"JOIN {layer} y ON y.id = l.layer_id WHERE a.project_id = %s AND a.status = 'submitted' "
        "ORDER BY a.document_id, s.start, s.end, s.id"
    )
    stances_sql = (
        f"SELECT a.document_id, l.value, d.confidence FROM {document_label} d "  # noqa: S608
        f"JOIN {annotation_set} a ON a.id = d.annotation_set_id JOIN {label} l ON l.id = d.label_id "
        "WHERE a.project_id = %s AND a.status = 'submitted' ORDER BY a.document_id"
    )
    documents_sql = f"SELECT id, title, text, meta FROM {document} WHERE corpus_id = %s ORDER BY id"  # noqa: S608
    count = 0
    with (
        connection.cursor() as documents,
        connection.cursor() as spans,
        connection.cursor() as stances,
        path.open("w", encoding="utf-8", newline="") as stream,
    ):
        documents.execute(documents_sql, [project.corpus_id])
        spans.execute(spans_sql, [project.pk])
        stances.execute(stances_sql, [project.pk])
        next_span, next_stance = spans.fetchone(), stances.fetchone()
        while rows := documents.fetchmany(500):
            for pk, title, text, meta in rows:
                record_spans = []
                while next_span is not None and next_span[0] == pk:
                    _, span_id, start, end, layer_key, value = next_span
                    record_spans.append(
                        {
                            "id": span_id,
                            "start": start,
                            "end": end,
                            "text": text[start:end],
                            "layer": layer_key,
                        }
                        | {"label": value}
                    )
                    next_span = spans.fetchone()
                stance = None
                if next_stance is not None and next_stance[0] == pk:
                    stance = {"label": next_stance[1], "confidence": next_stance[2]}
                    next_stance = stances.fetchone()
                record = {"id": pk, "title": title, "text": text, "meta": json.loads(meta)}
                record |= {"stance": stance, "spans": record_spans}
                stream.write(json.dumps(record, ensure_ascii=False))
                stream.write("\n")
                count += 1
    return count


def _peak_mb(project, path: Path) -> float:
    """Peak memory the export allocates above what was in use when it started, in MB."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        _export(project, path)
        return (tracemalloc.get_traced_memory()[1] - before) / 1e6
    finally:
        tracemalloc.stop()


def _export_elsewhere(database: str, slug: str, path: str, started, results) -> None:
    _django(database)
    from annotator.models import Project

    project = Project.objects.select_related("corpus", "scheme").get(slug=slug)
    started.set()
    begin = time.perf_counter()
    _export(project, Path(path))
    results.put(time.perf_counter() - begin)


def _request(set_ids: list[int], rng: random.Random) -> None:
    """What the workspace does on a page: fetch an annotation set's payload, then note time spent."""
    from django.db import transaction
    from django.db.models import F

    from annotator.models import AnnotationSet
    from annotator.selectors import annotation_set_payload

    pk = rng.choice(set_ids)
    annotation_set = AnnotationSet.objects.select_related("project", "document", "annotator").get(pk=pk)
    annotation_set_payload(annotation_set)
    with transaction.atomic():
        AnnotationSet.objects.filter(pk=pk).update(time_spent_seconds=F("time_spent_seconds") + 1)


def _p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def _meanwhile(database: str, folder: str, project) -> dict[str, float]:
    """p99 of requests while idle and while another process exports; requests that failed."""
    from django.db import OperationalError

    from annotator.models import AnnotationSet

    set_ids = list(AnnotationSet.objects.filter(project=project).values_list("pk", flat=True))
    rng = random.Random(5)
    idle = []
    for _ in range(200):
        begin = time.perf_counter()
        _request(set_ids, rng)
        idle.append(time.perf_counter() - begin)
    context = multiprocessing.get_context("spawn")
    started, results = context.Event(), context.Queue()
    process = context.Process(
        target=_export_elsewhere,
        args=(database, project.slug, str(Path(folder) / "meanwhile.jsonl"), started, results),
    )
    process.start()
    busy: list[float] = []
    errors = 0
    try:
        started.wait(timeout=120)
        while process.is_alive() and results.empty():
            begin = time.perf_counter()
            try:
                _request(set_ids, rng)
                busy.append(time.perf_counter() - begin)
            except OperationalError:  # "database is locked"
                errors += 1
        seconds = results.get(timeout=600)
        process.join(timeout=60)
    finally:
        if process.is_alive():
            process.terminate()
    return {
        "idle_p99": _p99(idle),
        "busy_p99": _p99(busy) if busy else float("nan"),
        "busy_requests": len(busy),
        "errors": errors,
        "meanwhile_seconds": seconds,
    }


def _measure(database: str, folder: str, documents: int, rounds: int, large: bool, results) -> None:
    _django(database)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from annotator.models import Project, Span
    from annotator.services.seeds import seeds_load

    call_command("migrate", verbosity=0, interactive=False)
    seeds_load()
    scheme = Project.objects.get(slug="seeds").scheme
    user = get_user_model().objects.create_user(SLUG)
    out: dict[str, float] = {}
    project = _project(folder, documents, scheme, user)
    out["spans"] = Span.objects.filter(annotation_set__project=project).count()
    path = Path(folder) / "out.jsonl"
    best_export = best_raw = float("inf")
    for _ in range(rounds):
        begin = time.perf_counter()
        written = _export(project, path)
        best_export = min(best_export, time.perf_counter() - begin)
        begin = time.perf_counter()
        raw = _baseline(project, path)
        best_raw = min(best_raw, time.perf_counter() - begin)
        if written != documents or raw != documents:
            raise RuntimeError(f"Exported {written} and {raw} documents, not {documents}.")
    out |= {"export_seconds": best_export, "export": documents / best_export, "raw": documents / best_raw}
    out["peak_large"] = _peak_mb(project, path)
    out |= _meanwhile(database, folder, project)
    small = _project(folder, 1_000, scheme, user)
    out["peak_small"] = _peak_mb(small, path)
    if large:
        out["peak_huge"] = _peak_mb(_project(folder, 100_000, scheme, user), path)
    results.put(out)


def run(documents: int = 10_000, rounds: int = 2) -> list[Row]:
    """Export `documents` annotated articles; print docs/s beside raw SQL, peak memory, p99 meanwhile."""
    large = os.environ.get("STANCEMARK_BENCH_EXPORT_LARGE") == "1"
    out = in_throwaway_database("export", _measure, documents, rounds, large)
    largest = out.get("peak_huge", out["peak_large"])
    growth = largest - out["peak_small"]
    rows = [
        Row(f"annotated documents (~{SPANS_PER_DOCUMENT} spans and a stance each)", documents, "docs"),
        Row("spans", out["spans"], "spans"),
        Row("baseline: raw SQL SELECT + json.dumps", out["raw"], "doc/s"),
        Row("export_gold jsonl", out["export"], "doc/s"),
        Row(
            f"  export_gold jsonl, {documents} documents",
            out["export_seconds"],
            "s",
            f"<= {EXPORT_SECONDS_TARGET:g}",
            out["export_seconds"] <= EXPORT_SECONDS_TARGET,
        ),
        Row("  raw SQL over export_gold", out["export"] and out["raw"] / out["export"], "x"),
        Row("peak memory of the export, 1,000 documents", out["peak_small"], "MB"),
        Row(f"peak memory of the export, {documents} documents", out["peak_large"], "MB"),
    ]
    if "peak_huge" in out:
        rows.append(Row("peak memory of the export, 100,000 documents", out["peak_huge"], "MB"))
    rows += [
        Row(
            "  growth of the peak from 1,000 documents",
            growth,
            "MB",
            f"<= {MEMORY_GROWTH_TARGET}",
            growth <= MEMORY_GROWTH_TARGET,
        ),
        Row("fetch + write an annotation set, idle, p99", out["idle_p99"], "ms"),
        Row("  the same during an export, p99", out["busy_p99"], "ms"),
        Row("  requests during the export", out["busy_requests"], "req"),
        Row("  failed requests (database locked)", out["errors"], "req", "0", out["errors"] == 0),
    ]
    return rows
