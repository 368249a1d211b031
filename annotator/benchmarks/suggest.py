"""Pre-annotation throughput: raw `nlp.pipe` against `suggestions_make` with its database writes.

Everything runs in spawned worker processes against a throw-away SQLite database in a temporary
folder, removed afterwards, so the user's database is never opened. Each worker takes every n-th
document and goes through its share in steps of at most one `nlp.pipe` batch: raw parse of the
step's documents and `suggestions_make` on the same documents (in turns first and second), each
phase started in all workers at once behind a barrier. A phase's time is the sum over steps of
each step's best round, so a burst of other load on the machine hits neither phase alone; CPU
time is reported beside it. Words are `len(text.split())`.

Nothing from Django is imported at module level: spawned workers import this module first and set
their database before Django starts.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import queue
import random
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from annotator.benchmarks import Row

SLUG = "benchmark-suggest"
BATCH_SIZE = 32
TARGET = 0.9  # pre-annotation words/s as a share of raw nlp.pipe words/s
PARAGRAPHS_PER_DOCUMENT = 8
SEEDS_ARTICLES = Path(__file__).resolve().parents[2] / "seeds" / "articles"
BARRIER_TIMEOUT = 900


@dataclass(frozen=True)
class Phase:
    """One worker's start and end (monotonic clock, shared by processes) of one timed phase of a step."""

    name: str
    step: int
    round: int
    start: float
    end: float
    cpu: float  # this worker's CPU seconds in the phase


def benchmark_texts(words: int, seed: int = 5) -> list[str]:
    """Distinct articles of about 400 words made of the seed articles' paragraphs, `words` in all."""
    paragraphs = [
        line
        for path in sorted(SEEDS_ARTICLES.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    rng = random.Random(seed)
    texts: list[str] = []
    total = 0
    while total < words:
        chosen = rng.sample(paragraphs, min(PARAGRAPHS_PER_DOCUMENT, len(paragraphs)))
        text = f"Benchmark article {len(texts) + 1}\n" + "\n".join(chosen)
        texts.append(text)
        total += len(text.split())
    return texts


def _django(database: str) -> None:
    """Start Django in this worker process on the throw-away database."""
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
    import django

    django.setup()


def _prepare(database: str, words: int) -> None:
    """Migrate the throw-away database and add a project over the benchmark corpus."""
    _django(database)
    from django.core.management import call_command

    from annotator.models import Project
    from annotator.services.seeds import seeds_load
    from corpus.models import Corpus, Document, text_hash

    call_command("migrate", verbosity=0, interactive=False)
    seeds_load()
    corpus = Corpus.objects.create(slug=SLUG, name="Suggestion benchmark")
    Project.objects.create(
        slug=SLUG, name="Suggestion benchmark", corpus=corpus, scheme=Project.objects.get(slug="seeds").scheme
    )
    Document.objects.bulk_create(
        Document(
            corpus=corpus, title=f"Benchmark {i}", text=text, content_hash=text_hash(text), kind="opinion"
        )
        for i, text in enumerate(benchmark_texts(words), start=1)
    )


def _steps(documents: int, workers: int) -> int:
    """Steps per round: enough that no worker's share of a step exceeds one `nlp.pipe` batch."""
    return max(1, math.ceil(math.ceil(documents / workers) / BATCH_SIZE))


def _worker(database: str, pipeline: str, rounds: int, index: int, workers: int, barrier, results) -> None:
    """Each round, step by step over this worker's share: parse a chunk raw, then pre-annotate it."""
    _django(database)
    from annotator.models import Project, SuggestedDocumentLabel, Suggestion, SuggestionRun
    from annotator.nlp import load_pipeline, pipeline_tag
    from annotator.services.suggestions import suggestions_make
    from annotator.suggesters import default_suggesters
    from corpus.models import Document

    project = Project.objects.select_related("corpus", "scheme").get(slug=SLUG)
    documents = list(Document.objects.filter(corpus=project.corpus).order_by("id").only("id", "text"))
    share = documents[index::workers]
    steps = _steps(len(documents), workers)
    bounds = [round(k * len(share) / steps) for k in range(steps + 1)]
    chunks = [share[bounds[k] : bounds[k + 1]] for k in range(steps)]
    nlp = load_pipeline(pipeline)
    suggesters = default_suggesters(project)  # the rules, and learned ones if a model is active
    for doc in nlp.pipe([document.text for document in share[:4]]):  # warm: vectors, matchers
        for suggester in suggesters:
            suggester.suggest(doc)

    def pipe(chunk: list[Document]) -> None:
        for _doc in nlp.pipe([document.text for document in chunk], batch_size=BATCH_SIZE):
            pass

    def suggest(chunk: list[Document]) -> None:
        report = suggestions_make(
            project=project, documents=chunk, batch_size=BATCH_SIZE, suggesters=suggesters, nlp=nlp
        )
        if report.failures or report.documents_processed != len(chunk):
            raise RuntimeError(f"Pre-annotation did not finish cleanly: {report.as_dict()}")

    phases: list[Phase] = []
    for number in range(rounds):
        # Every other round runs the pre-annotation first, so neither phase always follows the other.
        order = [("pipe", pipe), ("suggest", suggest)][:: 1 if number % 2 == 0 else -1]
        for step, chunk in enumerate(chunks):
            for name, phase in order:
                barrier.wait()
                start, cpu = time.monotonic(), time.process_time()
                phase(chunk)
                phases.append(Phase(name, step, number, start, time.monotonic(), time.process_time() - cpu))
        barrier.wait()
        # Clear this worker's output so the next round pre-annotates from scratch (untimed).
        for model in (Suggestion, SuggestedDocumentLabel, SuggestionRun):
            model.objects.filter(project=project, document__in=share).delete()
    words = sum(len(document.text.split()) for document in share)
    results.put((index, words, pipeline_tag(nlp), phases))


def _spawn(target, *args, workers: int = 1) -> list[tuple]:
    """Run `target(*args, index, workers, …)` in `workers` spawned processes and collect their results."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers, timeout=BARRIER_TIMEOUT)
    results = context.Queue()
    processes = [
        context.Process(target=target, args=(*args, index, workers, barrier, results))
        for index in range(workers)
    ]
    for process in processes:
        process.start()
    collected = []
    try:
        while len(collected) < workers:
            if any(p.exitcode not in (None, 0) for p in processes):
                raise RuntimeError("A benchmark worker failed; its error is printed above.")
            try:
                collected.append(results.get(timeout=1))
            except queue.Empty:
                continue
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
    return collected


def _run_workers(database: str, pipeline: str, workers: int, rounds: int) -> tuple[int, str, dict]:
    """Total words, the pipeline tag and, per phase, wall-clock and CPU seconds (all workers).

    A step's wall-clock time runs from the first worker's start to the last worker's end; each
    step counts with its best round, summed over steps, so a burst of other load on the machine
    hits neither phase alone. CPU time, summed over workers, is the same but barely moved by
    other processes taking turns on the cores.
    """
    collected = _spawn(_worker, database, pipeline, rounds, workers=workers)
    words = sum(item[1] for item in collected)
    tag = collected[0][2]
    spans: dict[tuple[str, int, int], list[Phase]] = {}
    for item in collected:
        for phase in item[3]:
            spans.setdefault((phase.name, phase.step, phase.round), []).append(phase)
    best: dict[tuple[str, str, int], float] = {}
    for (name, step, _), phases in spans.items():
        measured = {
            "wall": max(p.end for p in phases) - min(p.start for p in phases),
            "cpu": sum(p.cpu for p in phases),
        }
        for clock, value in measured.items():
            best[clock, name, step] = min(value, best.get((clock, name, step), value))
    seconds = {
        (clock, name): sum(value for (c, n, _), value in best.items() if (c, n) == (clock, name))
        for clock in ("wall", "cpu")
        for name in ("pipe", "suggest")
    }
    return words, tag, seconds


def _prepare_entry(database: str, words: int, index: int, workers: int, barrier, results) -> None:
    _prepare(database, words)
    results.put(("prepared",))


def run(
    words: int = 40_000, workers: tuple[int, ...] = (1, 2), rounds: int = 4, pipeline: str = ""
) -> list[Row]:
    """Measure raw parsing and full pre-annotation with each number of `workers` processes."""
    from django.conf import settings

    pipeline = pipeline or getattr(settings, "STANCEMARK_SPACY_MODEL", "") or "blank:en"
    folder = tempfile.mkdtemp(prefix="stancemark-benchmark-suggest-")
    database = str(Path(folder) / "benchmark.sqlite3")
    rows: list[Row] = [
        Row("machine: CPU cores", float(os.cpu_count() or 0), ""),
        Row("  load average (1 min) at the start: other work competes", os.getloadavg()[0], ""),
    ]
    try:
        _spawn(_prepare_entry, database, words)
        single: tuple[float, float] | None = None
        for count in workers:
            total, tag, best = _run_workers(database, pipeline, count, rounds)
            baseline, full = total / best["wall", "pipe"], total / best["wall", "suggest"]
            ratio = 100 * full / baseline
            cpu_ratio = 100 * best["cpu", "pipe"] / best["cpu", "suggest"]
            processes = f"{count} process{'es' if count > 1 else ''}"
            if single is None:
                rows.append(Row(f"corpus: {tag}, documents of ~400 words", total, "words"))
            rows.append(Row(f"baseline: raw nlp.pipe, {processes}, warm", baseline, "w/s"))
            rows.append(Row(f"pre-annotation with database writes, {processes}", full, "w/s"))
            rows.append(
                Row(
                    f"  share of raw nlp.pipe, {processes}",
                    ratio,
                    "%",
                    f">= {TARGET:.0%}",
                    ratio >= 100 * TARGET,
                )
            )
            rows.append(Row(f"  same by CPU time, {processes} (little moved by other load)", cpu_ratio, "%"))
            if single is None:
                single = (baseline, full)
            else:
                rows.append(Row(f"  scaling: pre-annotation, {processes} over 1", full / single[1], "x"))
                rows.append(
                    Row(
                        f"  scaling: raw nlp.pipe, {processes} over 1 (the ceiling)",
                        baseline / single[0],
                        "x",
                    )
                )
        rows.append(Row("  load average (1 min) at the end", os.getloadavg()[0], ""))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows
