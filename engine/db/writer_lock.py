"""Writers take turns: one unit of work at a time per SQLite database, across the threads of
a process and across processes (`sroflow serve --workers N`, the scheduler, the CLI).

SQLite lets one connection write at a time; another waits in SQLite's busy handler, which
sleeps in steps of 1 to 100 ms, so it may still sleep long after the first has committed.
Waiting on a lock instead wakes the next writer the moment the last one is done: threads
on a reentrant lock, processes on an flock of `<database file>.writer-lock` next to the
database. PostgreSQL needs neither: it locks rows.
"""

from __future__ import annotations

import os
import threading
import weakref
from contextlib import AbstractContextManager, nullcontext

from sqlalchemy import Engine

try:
    import fcntl
except ImportError:  # Windows: threads take turns, processes wait in SQLite's busy handler
    fcntl = None

LOCK_SUFFIX = ".writer-lock"


def writer_lock(db_engine: Engine) -> AbstractContextManager:
    """The lock every unit of work on `db_engine` holds: none for PostgreSQL, a thread lock
    for in-memory SQLite (one process sees it), a thread and file lock for a SQLite file."""
    if db_engine.dialect.name != "sqlite":
        return nullcontext()
    path = sqlite_file(db_engine)
    if path is None or fcntl is None:
        return threading.RLock()
    return file_writer_lock(path + LOCK_SUFFIX)


def file_writer_lock(path: str) -> FileWriterLock:
    """The one lock of this process for `path`: every service on a database shares it, so
    their threads take turns, and one thread nesting two services does not lock itself out
    (two descriptors of one file exclude each other even within a process)."""
    with _registry_guard:
        lock = _file_locks.get(path)
        if lock is None:
            lock = _file_locks[path] = FileWriterLock(path)
        return lock


def sqlite_file(db_engine: Engine) -> str | None:
    """The absolute path of the SQLite database file, or None for an in-memory database."""
    url = db_engine.url
    database = url.database or ""
    uri = str(url.query.get("uri", "")).lower() in ("true", "1")
    if uri and database.startswith("file:"):
        if "mode=memory" in database:
            return None
        database = database.removeprefix("file:").split("?", 1)[0]
    if database in ("", ":memory:"):
        return None
    return os.path.abspath(database)


class FileWriterLock:
    """A reentrant lock held by one thread of one process at a time.

    An flock belongs to an open file description, which every thread of a process shares,
    so threads first take turns on a thread lock and only the outermost holder takes the
    flock. A forked child forgets the parent's lock and opens the file anew: an inherited
    description would let parent and child hold the flock at once."""

    def __init__(self, path: str):
        self.path = path
        self._reset()
        _all_locks.add(self)

    def _reset(self) -> None:
        self._threads = threading.RLock()
        self._depth = 0  # nesting of the thread that holds `_threads`
        self._fd: int | None = None

    def __enter__(self) -> FileWriterLock:
        self._threads.acquire()
        try:
            if self._depth == 0:
                fcntl.flock(self._file(), fcntl.LOCK_EX)  # releases the GIL while it waits
            self._depth += 1
        except BaseException:
            self._threads.release()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self._depth -= 1
            if self._depth == 0:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _file(self) -> int:
        if self._fd is None:
            flags = os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC  # flock needs no write access
            self._fd = os.open(self.path, flags, 0o644)
        return self._fd

    def __del__(self):
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)


_all_locks: weakref.WeakSet[FileWriterLock] = weakref.WeakSet()
# Held only while services use them: a test run opens thousands of databases.
_file_locks: weakref.WeakValueDictionary[str, FileWriterLock] = weakref.WeakValueDictionary()
_registry_guard = threading.Lock()


def _forget_locks_after_fork() -> None:
    # The child runs one thread: nobody else can be inside a lock while we reset it. The
    # inherited descriptor is dropped, not unlocked (that would release the parent's flock).
    global _registry_guard
    _registry_guard = threading.Lock()
    for lock in list(_all_locks):
        if lock._fd is not None:
            os.close(lock._fd)
        lock._reset()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_locks_after_fork)
