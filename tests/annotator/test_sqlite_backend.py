"""SQLite writers queue on a file lock: a second writer waits for the first, never fails or sleeps."""

import threading
import time

import pytest
from django.db.utils import ConnectionHandler

# Longer than SQLite's own busy timeout below: without the file lock the second writer would fail.
HOLD_SECONDS, SQLITE_TIMEOUT = 0.6, 0.2


@pytest.fixture(autouse=True)
def own_databases(django_db_blocker):
    """These tests open their own SQLite files, not the test database."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def databases(tmp_path):
    """Connections (one per thread) to a SQLite file through annotator's backend, with a table."""
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "annotator.backends.sqlite3",
                "NAME": str(tmp_path / "writers.sqlite3"),
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": SQLITE_TIMEOUT},
            }
        }
    )
    with handler["default"].cursor() as cursor:
        cursor.execute("CREATE TABLE item (writer TEXT)")
    yield handler
    handler.close_all()


def write_in_transaction(connection, writer: str, hold: float = 0.0, commit: bool = True) -> None:
    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO item VALUES (%s)", [writer])
    time.sleep(hold)
    connection.commit() if commit else connection.rollback()
    connection.set_autocommit(True)


def test_a_second_writer_waits_for_the_first_to_commit_then_writes(databases):
    first_began = threading.Event()
    waited: list[float] = []

    def first():
        connection = databases["default"]
        connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO item VALUES ('first')")
        first_began.set()
        time.sleep(HOLD_SECONDS)
        connection.commit()
        connection.set_autocommit(True)
        connection.close()

    def second():
        first_began.wait()
        started = time.perf_counter()
        write_in_transaction(databases["default"], "second")
        waited.append(time.perf_counter() - started)
        databases["default"].close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with databases["default"].cursor() as cursor:
        cursor.execute("SELECT writer FROM item ORDER BY rowid")
        assert [row[0] for row in cursor.fetchall()] == ["first", "second"]
    assert waited and waited[0] >= HOLD_SECONDS * 0.8


def test_a_rolled_back_writer_lets_the_next_one_in_at_once(databases):
    connection = databases["default"]
    write_in_transaction(connection, "undone", commit=False)
    assert not connection.writer_lock_held
    started = time.perf_counter()
    write_in_transaction(connection, "kept")
    assert time.perf_counter() - started < HOLD_SECONDS
    with connection.cursor() as cursor:
        cursor.execute("SELECT writer FROM item")
        assert cursor.fetchall() == [("kept",)]


def test_an_in_memory_database_takes_no_lock_file():
    handler = ConnectionHandler({"default": {"ENGINE": "annotator.backends.sqlite3", "NAME": ":memory:"}})
    connection = handler["default"]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE item (writer TEXT)")
    write_in_transaction(connection, "memory")
    assert connection.writer_lock_fd is None
    handler.close_all()
