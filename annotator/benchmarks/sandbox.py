"""Run a benchmark in a spawned process on a throw-away SQLite database, never the user's own."""

import multiprocessing
import queue
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def in_throwaway_database(name: str, target: Callable[..., None], *args: Any) -> Any:
    """Call `target(database, folder, *args, results)` in a fresh process; return what it puts on `results`.

    The process starts from nothing ("spawn"), so it sets Django up on the temporary database
    itself; the folder holding that database is removed afterwards, whatever happens.
    """
    folder = tempfile.mkdtemp(prefix=f"stancemark-benchmark-{name}-")
    database = str(Path(folder) / "benchmark.sqlite3")
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=target, args=(database, folder, *args, results))
    try:
        process.start()
        while True:
            try:
                out = results.get(timeout=1)
                break
            except queue.Empty:
                if process.exitcode not in (None, 0):
                    raise RuntimeError(f"The {name} benchmark failed; its error is printed above.") from None
        process.join(timeout=60)
    finally:
        if process.is_alive():
            process.terminate()
        shutil.rmtree(folder, ignore_errors=True)
    return out
