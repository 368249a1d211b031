"""Pre-annotation on real RQ workers: two workers share a project, and a killed worker loses nothing.

Everything runs as it does in production, in separate processes: a redis-server, a SQLite file
database migrated and seeded by `manage.py`, two `manage.py rqworker --job-class django_tasks_rq.Job`
and `manage.py suggest --enqueue`. The test reads the database file and Redis at the end.
"""

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds" / "articles"
RULES = 4  # rules-argument, rules-attribution, rules-rhetoric, rules-stance
CHUNK = 3

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        shutil.which("redis-server") is None,
        reason="redis-server is not installed (apt-get install redis-server; .ci/run installs it)",
    ),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}.")


class Stack:
    """A redis-server, a migrated and seeded SQLite file, and RQ workers started on demand."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.port = free_port()
        self.db = tmp_path / "db.sqlite3"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STANCEMARK_"))}
        self.env.update(
            DATABASE_URL=f"sqlite:///{self.db}",
            STANCEMARK_TASKS_BACKEND="django_tasks_rq.RQBackend",
            REDIS_URL=f"redis://127.0.0.1:{self.port}/0",
            STANCEMARK_SUGGEST_CHUNK_SIZE=str(CHUNK),
        )
        self.processes: list[subprocess.Popen] = []
        self.workers: dict[str, subprocess.Popen] = {}

    def start_redis(self) -> None:
        self.processes.append(
            subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                cwd=self.tmp,
                stdout=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        self.redis = __import__("redis").Redis(port=self.port)
        wait_for(self._ping, 10, "redis-server")

    def _ping(self) -> bool:
        try:
            return bool(self.redis.ping())
        except Exception:  # noqa: BLE001 - not listening yet
            return False

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def seed(self, documents: int) -> int:
        """Migrate, load the seed project and add paragraphs of the seed articles as documents."""
        self.manage("migrate", "--no-input", "-v", "0")
        self.manage("load_seeds")
        folder = self.tmp / "paragraphs"
        folder.mkdir()
        paragraphs = [
            line
            for path in sorted(SEEDS.glob("*.txt"))
            for line in path.read_text(encoding="utf-8").splitlines()
            if len(line) >= 150
        ]
        for n, text in enumerate(paragraphs[: documents - 3]):
            (folder / f"p{n:03}.txt").write_text(text + "\n", encoding="utf-8")
        self.manage("import_corpus", "seeds", str(folder), "--format", "txt", "--project", "seeds")
        return self.query("select count(*) from corpus_document")[0][0]

    def start_worker(self, name: str) -> None:
        # A session of its own, so a SIGKILL to the group also takes the job's work horse (as a lost machine).
        log = (self.tmp / f"{name}.log").open("w")
        self.workers[name] = subprocess.Popen(
            [sys.executable, "manage.py", "rqworker", "--job-class", "django_tasks_rq.Job", "--name", name],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(self.workers[name])

    def kill_worker(self, name: str) -> None:
        os.killpg(self.workers[name].pid, signal.SIGKILL)
        self.workers[name].wait(10)

    def enqueue(self) -> str:
        return self.manage("suggest", "seeds", "--enqueue").strip().rsplit(" ", 1)[-1]

    def query(self, sql: str) -> list[tuple]:
        with closing(sqlite3.connect(self.db, timeout=20)) as connection:
            return connection.execute(sql).fetchall()

    def done_runs(self) -> int:
        return self.query("select count(*) from annotator_suggestionrun where status = 'done'")[0][0]

    def job(self, job_id: str):
        from rq.job import Job

        return Job.fetch(job_id, connection=self.redis)

    def busy_with(self, name: str) -> bool:
        from rq.registry import StartedJobRegistry

        started = StartedJobRegistry("default", connection=self.redis).get_job_ids()
        return any(self.job(job_id).worker_name == name for job_id in started)

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


@pytest.fixture
def stack(tmp_path):
    stack = Stack(tmp_path)
    try:
        stack.start_redis()
        yield stack
    finally:
        stack.stop()


def assert_complete_and_unduplicated(stack: Stack, documents: int) -> None:
    per_document = stack.query(
        "select document_id, count(*), count(distinct suggester) from annotator_suggestionrun "
        "where status = 'done' group by document_id"
    )
    assert len(per_document) == documents
    assert {(runs, suggesters) for _, runs, suggesters in per_document} == {(RULES, RULES)}
    assert stack.query("select count(*) from annotator_suggestionrun where status != 'done'")[0][0] == 0
    assert (
        stack.query(
            "select count(*) from (select 1 from annotator_suggestion group by document_id, suggester, "
            'label_id, start, "end", reason having count(*) > 1)'
        )[0][0]
        == 0
    )
    stances = stack.query("select document_id, count(*) from annotator_suggesteddocumentlabel group by 1")
    assert len(stances) == documents and {n for _, n in stances} == {1}


def suggestions_per_document(db: Path) -> dict[int, int]:
    with closing(sqlite3.connect(db)) as connection:
        rows = connection.execute("select document_id, count(*) from annotator_suggestion group by 1")
        return dict(rows.fetchall())


def test_two_workers_share_a_pre_annotation_and_do_nothing_twice(stack):
    documents = stack.seed(24)
    assert documents == 24
    stack.start_worker("worker-a")
    stack.start_worker("worker-b")
    parent = stack.enqueue()

    wait_for(lambda: stack.done_runs() == documents * RULES, 60, "every document pre-annotated")
    assert_complete_and_unduplicated(stack, documents)

    chunks = wait_for(lambda: stack.job(parent).return_value(), 10, "the job's report")["chunks"]
    assert len(chunks) == documents // CHUNK
    wait_for(lambda: all(stack.job(c).is_finished for c in chunks), 10, "every chunk finished")
    workers = {stack.job(chunk).worker_name for chunk in chunks}
    assert workers == {"worker-a", "worker-b"}
    processed = sum(stack.job(chunk).return_value()["documents_processed"] for chunk in chunks)
    assert processed == documents


def test_a_killed_worker_loses_nothing_and_a_second_run_duplicates_nothing(stack):
    documents = stack.seed(24)
    reference = stack.tmp / "reference.sqlite3"
    shutil.copy(stack.db, reference)
    stack.start_worker("worker-a")
    stack.start_worker("worker-b")
    stack.enqueue()

    # Kill worker A in the middle of a chunk, once some documents are done but not all.
    wait_for(lambda: stack.done_runs() > 0 and stack.busy_with("worker-a"), 45, "worker A busy mid-run")
    stack.kill_worker("worker-a")
    assert 0 < stack.done_runs() < documents * RULES

    # Pre-annotate again (what a manager's button or `suggest --enqueue` does): done documents are skipped.
    stack.enqueue()
    wait_for(lambda: stack.done_runs() == documents * RULES, 60, "the rest pre-annotated by worker B")
    assert_complete_and_unduplicated(stack, documents)

    # The same suggestions as one uninterrupted run in a single process.
    stack.env["DATABASE_URL"] = f"sqlite:///{reference}"
    stack.manage("suggest", "seeds")
    assert suggestions_per_document(stack.db) == suggestions_per_document(reference)
