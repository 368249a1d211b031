"""SQLite whose writers queue on a file lock rather than in SQLite's sleeping busy handler.

SQLite lets one writer in at a time. A writer that finds the database locked polls it, sleeping
1, 2, 5, 10 ... 100 ms between tries, so under many concurrent writers (threads or gunicorn
workers) most of a write's time is spent asleep. Taking an exclusive `flock` on a file beside the
database before `BEGIN IMMEDIATE` makes writers wait in the kernel instead and wake up the moment
the previous writer commits. Readers (WAL) never take the lock.
"""

import os

from django.db.backends.sqlite3 import base

try:
    import fcntl
except ImportError:  # Windows: no flock, SQLite's own busy handler does the waiting
    fcntl = None  # type: ignore[assignment]


class DatabaseWrapper(base.DatabaseWrapper):
    writer_lock_fd: int | None = None
    writer_lock_held = False

    def _writer_lock_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        if fcntl is None or self.is_in_memory_db() or not name:
            return None
        return f"{name}.writer-lock"

    def _start_transaction_under_autocommit(self) -> None:
        path = self._writer_lock_path()
        if path is not None and not self.writer_lock_held:
            if self.writer_lock_fd is None:
                self.writer_lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self.writer_lock_fd, fcntl.LOCK_EX)
            self.writer_lock_held = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._writer_lock_release()
            raise

    def _writer_lock_release(self) -> None:
        if self.writer_lock_held and self.writer_lock_fd is not None:
            fcntl.flock(self.writer_lock_fd, fcntl.LOCK_UN)
        self.writer_lock_held = False

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._writer_lock_release()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._writer_lock_release()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._writer_lock_release()
            if self.writer_lock_fd is not None:
                os.close(self.writer_lock_fd)
                self.writer_lock_fd = None
