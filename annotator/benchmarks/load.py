"""Fifty annotators on two gunicorn workers: writes/s, latency, errors, every write accounted for, memory.

Each database (a temporary SQLite file; PostgreSQL when a throw-away cluster can be started or
STANCEMARK_BENCH_POSTGRES_URL is set) is migrated and filled in a subprocess, served by gunicorn on a
free loopback port as scripts/serve-production runs it, and driven by several client processes with
one thread per annotator. An annotator opens each document as the workspace page does, in one call
(`GET …/documents/<id>/workspace/`: the document and their annotation set), then writes.

Two runs per database state. Paced: each annotator takes its steps at a steady rhythm so that all
fifty offer OFFERED_WRITES writes/s; the writes/s achieved and the latency of each request are the
figures held to the targets. (With no pauses at all, fifty clients always have a request waiting,
so latency is fifty divided by the throughput whatever the server does.) Flat out: no pauses, which
shows the capacity and is what the slowdown with 750,000 spans compares.
"""

import contextlib
import http.client
import json
import multiprocessing
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from annotator.benchmarks import Row
from annotator.benchmarks.browser import free_port

SLUG = "load"
ANNOTATORS = 50
ROUNDS = int(os.environ.get("STANCEMARK_BENCH_ROUNDS", "8"))
BIG_SPANS = int(os.environ.get("STANCEMARK_BENCH_BIG_SPANS", "750000"))
CLIENT_PROCESSES = 4
# The production set-up of scripts/serve-production: gunicorn's sync workers. (gthread workers with
# 2-4 threads measured 30-50% more CPU per request here, from GIL hand-offs.)
WORKERS = 2
WORKER_ARGS = ["--worker-class", "sync"]
# Paced runs offer this many writes per second in all (each annotator keeps a steady rhythm, as
# people do); the saturation run lets every annotator go flat out with no pause at all.
OFFERED_WRITES = float(os.environ.get("STANCEMARK_BENCH_OFFERED_WRITES", "410"))
STEPS_PER_DOCUMENT, WRITES_PER_DOCUMENT = 7, 6  # fetch, 3 spans, delete, stance, submit
WORDS = 300
SPANS_PER_ARCHIVED_SET = 500
SPAN_LABELS = ["claim", "premise", "evidence"]
STANCES = ["pro-engagement", "pro-sanctions", "neutral-or-mixed"]
ROOT = Path(settings.BASE_DIR)


def article(n: int) -> str:
    """A plain article of WORDS words, different for every n (document texts are unique per corpus)."""
    rng = random.Random(n)
    vocabulary = [
        "sanctions",
        "talks",
        "summit",
        "envoy",
        "pressure",
        "regime",
        "missile",
        "treaty",
        "aid",
        "trade",
        "deal",
    ]
    return " ".join([f"document-{n}", *(rng.choice(vocabulary) for _ in range(WORDS - 1))])


# --- run inside a subprocess against the benchmark database (DATABASE_URL) ---------------------


def fixture_make(annotators: int, batches: int, rounds: int) -> dict:
    """Users with tokens, a project with the default scheme and `batches` × annotators × rounds documents."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from rest_framework.authtoken.models import Token

    from annotator.models import Membership, Project
    from annotator.services.schemes import scheme_load_file
    from corpus.models import Corpus, Document

    scheme, _ = scheme_load_file(ROOT / "seeds" / "schemes" / "stancemark-default.json")
    corpus = Corpus.objects.create(slug=SLUG, name="Load")
    project = Project.objects.create(slug=SLUG, name="Load", corpus=corpus, scheme=scheme)
    password = make_password(None)
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"annotator-{i:02d}", password=password) for i in range(annotators)
    )
    Membership.objects.bulk_create(Membership(project=project, user=user) for user in users)
    tokens = [Token.objects.create(user=user).key for user in users]
    count = batches * annotators * rounds
    documents = Document.objects.bulk_create(
        Document(corpus=corpus, title=f"load-{n}", text=(text := article(n)), content_hash=text_hash(text))
        for n in range(count)
    )
    ids = [document.pk for document in documents]
    per_batch = annotators * rounds
    settle()
    return {
        "tokens": tokens,
        "batches": [ids[b * per_batch : (b + 1) * per_batch] for b in range(batches)],
    }


def text_hash(text: str) -> str:
    from corpus.models import text_hash as hash_of

    return hash_of(text)


def fixture_add_spans(total: int) -> dict:
    """Archived, submitted annotation sets holding `total` spans, inserted with plain executemany."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from annotator.models import AnnotationSet, Label, Project
    from corpus.models import Document

    project = Project.objects.get(slug=SLUG)
    users = list(get_user_model().objects.filter(username__startswith="annotator-").order_by("username"))
    labels = list(
        Label.objects.filter(layer__scheme=project.scheme, layer__kind="span").values_list("pk", flat=True)
    )
    started = time.perf_counter()
    sets_needed = -(-total // SPANS_PER_ARCHIVED_SET)
    with transaction.atomic():
        documents = Document.objects.bulk_create(
            Document(
                corpus=project.corpus,
                title=f"archive-{n}",
                text=(t := article(10**7 + n)),
                content_hash=text_hash(t),
            )
            for n in range(sets_needed)
        )
        sets = AnnotationSet.objects.bulk_create(
            AnnotationSet(
                project=project,
                document=document,
                annotator=users[i % len(users)],
                status=AnnotationSet.Status.SUBMITTED,
            )
            for i, document in enumerate(documents)
        )
    q = connection.ops.quote_name
    sql = (
        f"INSERT INTO {q('annotator_span')} ({q('annotation_set_id')}, {q('label_id')}, {q('start')}, "
        f"{q('end')}, {q('attributes')}, {q('origin')}, {q('provenance')}, {q('created_at')}) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    )
    now = timezone.now()
    rng = random.Random(3)
    batch: list[tuple] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for n in range(total):
            start = rng.randrange(1500)
            batch.append(
                (
                    sets[n // SPANS_PER_ARCHIVED_SET].pk,
                    rng.choice(labels),
                    start,
                    start + rng.randrange(5, 80),
                    "{}",
                    "manual",
                    "{}",
                    now,
                )
            )
            if len(batch) == 20_000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
    seconds = time.perf_counter() - started
    settle()
    return {"seconds": seconds}


def settle() -> None:
    """Leave the database as it would be a while after a load, not in the aftermath of one.

    Statistics, and the write-ahead log folded into the database file (SQLite) or checkpointed. On
    PostgreSQL that includes the vacuum and analyze that many inserts set autovacuum to run, which
    would otherwise compete with the measured run for the CPU.
    """
    from django.db import DatabaseError, connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            cursor.execute("VACUUM ANALYZE")
            with contextlib.suppress(DatabaseError):  # not a superuser: it checkpoints on its own
                cursor.execute("CHECKPOINT")


def fixture_count(document_ids: list[int]) -> dict:
    """Spans, stances and submitted sets the database holds for these documents."""
    from annotator.models import AnnotationSet, DocumentLabel, Span

    return {
        "spans": Span.objects.filter(annotation_set__document_id__in=document_ids).count(),
        "stances": DocumentLabel.objects.filter(
            annotation_set__document_id__in=document_ids, layer__key="stance"
        ).count(),
        "submitted": AnnotationSet.objects.filter(
            document_id__in=document_ids, status=AnnotationSet.Status.SUBMITTED
        ).count(),
        "all_spans": Span.objects.count(),
    }


def in_database(url: str, function: str, **kwargs) -> dict:
    """Call one of the fixture functions above in a subprocess against the database at `url`."""
    code = (
        "import json, sys, django; django.setup(); "
        "from annotator.benchmarks import load; "
        f"print(json.dumps(load.{function}(**json.loads(sys.argv[1]))))"
    )
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "annotator.settings"}
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(kwargs)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"{function} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
    )


# --- databases ----------------------------------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[str]:
    folder = Path(tempfile.mkdtemp(prefix="stancemark-load-"))
    try:
        yield f"sqlite:///{folder / 'load.sqlite3'}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def postgres_binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


@contextmanager
def postgres_database() -> Iterator[tuple[str | None, str]]:
    """A throw-away PostgreSQL cluster on a free port, else STANCEMARK_BENCH_POSTGRES_URL; (url, where)."""
    binaries = postgres_binaries()
    if binaries is None:
        url = os.environ.get("STANCEMARK_BENCH_POSTGRES_URL")
        yield (
            (url, "STANCEMARK_BENCH_POSTGRES_URL")
            if url
            else (
                None,
                "no PostgreSQL binaries (apt-get install postgresql), no STANCEMARK_BENCH_POSTGRES_URL",
            )
        )
        return
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="stancemark-load-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    port = free_port()
    data = folder / "data"
    pg_ctl = [*as_pg, str(binaries / "pg_ctl"), "-D", str(data)]
    try:
        subprocess.run(
            [
                *as_pg,
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-U",
                "stancemark",
                "-A",
                "trust",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [*pg_ctl, "-l", str(folder / "log"), "-w", "-o", f"-h 127.0.0.1 -p {port} -k {folder}", "start"],
            check=True,
            capture_output=True,
        )
        yield f"postgres://stancemark@127.0.0.1:{port}/postgres", f"throw-away cluster from {binaries}"
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


# --- the server -----------------------------------------------------------------------------------


def server_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STANCEMARK_"))}
    env.update(
        DATABASE_URL=url,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_CONN_MAX_AGE="600",
    )
    return env


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    first_response: float

    def pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [self.process.pid, *map(int, children)]


@contextmanager
def gunicorn(url: str, token: str) -> Iterator[Server]:
    """Serve on a free port as production does (WORKERS, WORKER_ARGS); time from start to the first 200."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "annotator.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            *WORKER_ARGS,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=server_env(url),
    )
    try:
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/api/projects/", headers={"Authorization": f"Token {token}"})
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.perf_counter() - started > 60:
                raise RuntimeError("gunicorn did not start.")
            time.sleep(0.01)
        yield Server(port, process, time.perf_counter() - started)
    finally:
        process.terminate()
        process.wait(timeout=30)


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def idle_worker_rss(url: str) -> float:
    """RSS of one db_worker process after it has started and gone idle."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--queue-name", "default"],
        cwd=ROOT,
        env=server_env(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(4)
        return rss_mb([process.pid])
    finally:
        process.terminate()
        process.wait(timeout=30)


# --- the clients ----------------------------------------------------------------------------------


class Api:
    """One annotator's HTTP client; every call returns (status, body, seconds).

    Gunicorn's sync workers close the connection after each response, so each call opens one,
    writes the request and reads to the end: a few socket calls instead of `http.client`'s header
    parsing, which cost the client processes more CPU than the server spent on some requests.
    """

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = (
            f"Host: 127.0.0.1:{port}\r\nAuthorization: Token {token}\r\n"
            "Content-Type: application/json\r\nConnection: close\r\n"
        )

    def call(
        self, method: str, path: str, body: dict | None = None, **headers: str
    ) -> tuple[int, dict, float]:
        payload = b"" if body is None else json.dumps(body).encode()
        extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = f"{method} {path} HTTP/1.1\r\n{self.headers}{extra}Content-Length: {len(payload)}\r\n\r\n"
        started = time.perf_counter()
        with socket.create_connection(("127.0.0.1", self.port), timeout=60) as connection:
            connection.sendall(request.encode() + payload)
            chunks = []
            while chunk := connection.recv(262144):
                chunks.append(chunk)
        elapsed = time.perf_counter() - started
        head, _, raw = b"".join(chunks).partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        if b"transfer-encoding: chunked" in head.lower():
            raw = _unchunked(raw)
        return status, (json.loads(raw) if raw else {}), elapsed


def _unchunked(raw: bytes) -> bytes:
    body, position = [], 0
    while True:
        end = raw.index(b"\r\n", position)
        size = int(raw[position:end].split(b";")[0], 16)
        if size == 0:
            return b"".join(body)
        body.append(raw[end + 2 : end + 2 + size])
        position = end + 2 + size + 2


@dataclass
class Tally:
    writes: list[float] = field(default_factory=list)  # seconds of each acknowledged write
    fetches: list[float] = field(default_factory=list)
    lag: list[float] = field(default_factory=list)  # seconds each paced step started behind its time
    errors: list[str] = field(default_factory=list)
    conflicts: int = 0
    spans_created: int = 0
    spans_deleted: int = 0
    stances: int = 0
    submitted: int = 0


def annotate(
    port: int,
    token: str,
    documents: list[int],
    tally: Tally,
    lock: threading.Lock,
    interval: float | None = None,
) -> None:
    """One annotator: for each document fetch it and the set, 3 spans, delete 1, stance, submit.

    With `interval`, each step (the fetch, each write) starts `interval` seconds after the one
    before it was due, from a random offset; a step that is due already starts at once and its
    lateness is kept in `lag`. Without it the annotator goes flat out.
    """
    api = Api(port, token)
    mine = Tally()
    due = time.perf_counter() + (random.uniform(0, interval) if interval else 0.0)

    def pace() -> None:
        nonlocal due
        if interval is None:
            return
        now = time.perf_counter()
        if now < due:
            time.sleep(due - now)
        else:
            mine.lag.append(now - due)
        due += interval

    def write(method: str, path: str, body: dict | None, **headers: str) -> dict | None:
        pace()
        status, data, seconds = api.call(method, path, body, **headers)
        if 200 <= status < 300:
            mine.writes.append(seconds)
            return data
        if status == 409:
            mine.conflicts += 1
        else:
            mine.errors.append(f"{method} {path} {status} {str(data)[:200]}")
        return None

    for document in documents:
        base = f"/api/projects/{SLUG}/documents/{document}/"
        pace()
        # One call, as the workspace page opens a document: the document and the annotator's set.
        status, workspace, seconds = api.call("GET", base + "workspace/")
        mine.fetches.append(seconds)
        if status != 200:
            mine.errors.append(f"GET {base}workspace/ {status}")
            continue
        doc, annotation_set = workspace["document"], workspace["annotation_set"]
        words = [i for i, ch in enumerate(doc["text"]) if i == 0 or doc["text"][i - 1] == " "]
        sets = f"/api/annotation-sets/{annotation_set['id']}/"
        version = annotation_set["version"]
        spans = []
        for k, label in enumerate(SPAN_LABELS):
            start, end = words[10 * k + 1], words[10 * k + 4] - 1
            body = {"version": version, "layer": "argument", "label": label, "start": start, "end": end}
            if (data := write("POST", sets + "spans/", body)) is not None:
                version = data["version"]
                spans.append(data["span"]["id"])
                mine.spans_created += 1
        if spans and (
            data := write("DELETE", f"{sets}spans/{spans[0]}/", None, **{"If-Match": str(version)})
        ):
            version = data["version"]
            mine.spans_deleted += 1
        body = {"version": version, "label": random.choice(STANCES), "confidence": 4}
        if (data := write("PUT", sets + "document-labels/stance/", body)) is not None:
            version = data["version"]
            mine.stances += 1
        if write("POST", sets + "submit/", {"version": version}) is not None:
            mine.submitted += 1
    with lock:
        for name in ("writes", "fetches", "lag", "errors"):
            getattr(tally, name).extend(getattr(mine, name))
        for name in ("conflicts", "spans_created", "spans_deleted", "stances", "submitted"):
            setattr(tally, name, getattr(tally, name) + getattr(mine, name))


def client_process(
    job: tuple[int, list[tuple[str, list[int]]], float, float | None],
) -> tuple[Tally, float, float]:
    """Run some annotators as threads once `go` (a wall-clock time) has come; (tally, start, end)."""
    port, annotators, go, interval = job
    tally, lock = Tally(), threading.Lock()
    threads = [
        threading.Thread(target=annotate, args=(port, token, documents, tally, lock, interval))
        for token, documents in annotators
    ]
    time.sleep(max(0.0, go - time.time()))
    started = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, started, time.time()


def drive(
    port: int, tokens: list[str], documents: list[int], offered: float | None = None
) -> tuple[Tally, float]:
    """Run every annotator over its share of `documents`, paced to `offered` writes/s in all if given.

    Returns the merged tally and the wall time.
    """
    rounds = len(documents) // len(tokens)
    annotators = [(token, documents[i * rounds : (i + 1) * rounds]) for i, token in enumerate(tokens)]
    interval = None
    if offered:
        steps_per_second = offered / len(tokens) * STEPS_PER_DOCUMENT / WRITES_PER_DOCUMENT
        interval = 1 / steps_per_second
    go = time.time() + 0.5
    jobs = [(port, annotators[p::CLIENT_PROCESSES], go, interval) for p in range(CLIENT_PROCESSES)]
    with multiprocessing.get_context("fork").Pool(CLIENT_PROCESSES) as pool:
        results = pool.map(client_process, jobs)
    total = Tally()
    for tally, _, _ in results:
        for name, value in vars(tally).items():
            setattr(total, name, getattr(total, name) + value)
    return total, max(r[2] for r in results) - min(r[1] for r in results)


def fetch_idle(port: int, token: str, documents: list[int], times: int = 300) -> list[float]:
    """One client alone: fetch a document with its annotation set, `times` times over."""
    api = Api(port, token)
    seconds = []
    for n in range(times):
        path = f"/api/projects/{SLUG}/documents/{documents[n % len(documents)]}/workspace/"
        status, _, elapsed = api.call("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}.")
        seconds.append(elapsed)
    return seconds


def pct(values: list[float], q: float) -> float:
    """The q-th percentile, in milliseconds."""
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


# --- one database ---------------------------------------------------------------------------------


def load_rows(
    name: str, url: str, tokens: list[str], batches: list[list[int]], server: Server, label: str
) -> tuple[list[Row], float]:
    """A paced run and a flat-out run on two batches; check the database holds every acknowledged write.

    Returns the rows and the flat-out writes/s (the capacity, for the slowdown).
    """
    paced, paced_wall = drive(server.port, tokens, batches[0], OFFERED_WRITES)
    flat, flat_wall = drive(server.port, tokens, batches[1])
    rows: list[Row] = []
    errors: list[str] = []
    accounted = True
    for tally, wall, documents, how in (
        (paced, paced_wall, batches[0], f"paced to {OFFERED_WRITES:g}/s"),
        (flat, flat_wall, batches[1], "flat out"),
    ):
        counted = in_database(url, "fixture_count", document_ids=documents)
        accounted &= (
            counted["spans"] == tally.spans_created - tally.spans_deleted
            and counted["stances"] == tally.stances
            and counted["submitted"] == tally.submitted
        )
        errors += tally.errors
        print(
            f"  {name} {label}, {how}: {len(tally.writes)} writes in {wall:.1f} s, {tally.conflicts} "
            f"conflicts; acknowledged spans {tally.spans_created}-{tally.spans_deleted}, stances "
            f"{tally.stances}, submitted {tally.submitted}; database {counted}",
            flush=True,
        )
    rate = len(paced.writes) / paced_wall
    p99 = pct(paced.writes, 99)
    flat_rate = len(flat.writes) / flat_wall
    rows = [
        Row(f"{name}: writes/s, {len(tokens)} annotators {label}", rate, "/s", ">= 400", rate >= 400),
        Row(f"{name}:   (offered: each annotator paced, {OFFERED_WRITES:g}/s in all)", OFFERED_WRITES, "/s"),
        Row(f"{name}:   write latency p50", pct(paced.writes, 50), "ms"),
        Row(f"{name}:   write latency p99", p99, "ms", "<= 35", p99 <= 35),
        Row(f"{name}:   steps started late, p99", pct(paced.lag or [0.0], 99), "ms"),
        Row(f"{name}:   fetch (document with its set) p99 under load", pct(paced.fetches, 99), "ms"),
        Row(f"{name}:   flat out (no pauses): writes/s", flat_rate, "/s"),
        Row(f"{name}:   flat out: write latency p50 / p99", pct(flat.writes, 50), "ms"),
        Row(f"{name}:                           p99", pct(flat.writes, 99), "ms"),
        Row(f"{name}:   errors (not 2xx, not 409), both runs", len(errors), "", "0", not errors),
        Row(f"{name}:   every write accounted for (1 = yes)", float(accounted), "", "1", accounted),
    ]
    for error in errors[:5]:
        print(f"  error: {error}", flush=True)
    return rows, flat_rate


def benchmark_database(name: str, url: str) -> list[Row]:
    print(f"-- {name}: migrating and filling {url.split('@')[-1]}", flush=True)
    migrate(url)
    fixture = in_database(url, "fixture_make", annotators=ANNOTATORS, batches=5, rounds=ROUNDS)
    tokens, batches = fixture["tokens"], fixture["batches"]
    fresh, later, spare = batches[:2], batches[2:4], batches[4]
    with gunicorn(url, tokens[0]) as server:
        rows = [
            Row(
                f"{name}: first response after start",
                1000 * server.first_response,
                "ms",
                "<= 1500",
                server.first_response <= 1.5,
            )
        ]
        # Warm up first (each worker's first requests fill caches and prepared statements): two
        # documents per annotator, not counted.
        drive(server.port, tokens, spare[: 2 * len(tokens)])
        load, fresh_rate = load_rows(name, url, tokens, fresh, server, "(fresh database)")
        rows += load
        fetch = pct(fetch_idle(server.port, tokens[0], fresh[0][:ROUNDS]), 99)
        rows.append(
            Row(f"{name}: fetch a document with its annotation set, p99", fetch, "ms", "<= 10", fetch <= 10)
        )
        memory = rss_mb(server.pids()) + idle_worker_rss(url)
        rows.append(
            Row(
                f"{name}: memory, gunicorn (master + {WORKERS} workers) + idle db_worker",
                memory,
                "MB",
                "<= 300",
                memory <= 300,
            )
        )
        print(f"  {name}: inserting {BIG_SPANS:,} spans", flush=True)
        added = in_database(url, "fixture_add_spans", total=BIG_SPANS)
        rows.append(Row(f"{name}: bulk insert of {BIG_SPANS:,} spans", added["seconds"], "s"))
        drive(server.port, tokens, spare[2 * len(tokens) : 4 * len(tokens)])
        big, big_rate = load_rows(name, url, tokens, later, server, f"({BIG_SPANS:,} spans)")
        rows += big
        slowdown = fresh_rate / big_rate
        rows.append(
            Row(
                f"{name}: slowdown with {BIG_SPANS:,} spans (flat-out writes/s)",
                slowdown,
                "x",
                "<= 1.5",
                slowdown <= 1.5,
            )
        )
        fetch = pct(fetch_idle(server.port, tokens[0], later[0][:ROUNDS]), 99)
        rows.append(Row(f"{name}: fetch p99 with {BIG_SPANS:,} spans", fetch, "ms", "<= 10", fetch <= 10))
    return rows


def run() -> list[Row]:
    rows: list[Row] = []
    with sqlite_database() as url:
        rows += benchmark_database("SQLite", url)
    if os.environ.get("STANCEMARK_BENCH_SKIP_POSTGRES") == "1":
        print("-- PostgreSQL skipped: STANCEMARK_BENCH_SKIP_POSTGRES=1", flush=True)
        return rows
    with postgres_database() as (url, where):
        if url is None:
            print(f"-- PostgreSQL skipped: {where}", flush=True)
        else:
            print(f"-- PostgreSQL: {where}", flush=True)
            rows += benchmark_database("PostgreSQL", url)
    return rows
