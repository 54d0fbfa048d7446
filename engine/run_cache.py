"""Workflows kept in memory between steps, so a step does not deserialize its instance.

An entry is keyed by the instance id and the row version it was saved as. A step *takes*
its entry (no other thread can use it meanwhile) and the entry comes back only after the
step's transaction committed; a rollback, or any other writer bumping the row version
(another process, a timer, a cancel), makes the next step load from the database again.
The optimistic lock on `instances.row_version` is what makes this safe.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict

# Every workflow kept is thousands of objects that each full garbage collection walks; with
# hundreds kept those pauses were the HTTP p99 (and reloading a small workflow costs less
# than half a millisecond). So only workflows with a long history, whose reload costs tens
# of milliseconds, are kept, and only a few of them.
DEFAULT_SIZE = 64
TASKS_PER_ENTRY = 300
MIN_TASKS_TO_KEEP = 100


class RunCache:
    """A bounded LRU of {instance id: (row version, WorkflowRun)}, safe across threads.

    Keeps only workflows of at least MIN_TASKS_TO_KEEP tasks, bounded by entries and by the
    tasks they hold together, so long histories cannot grow it without limit.
    """

    def __init__(self, size: int | None = None, max_tasks: int | None = None):
        if size is None:
            size = int(os.environ.get("SROFLOW_RUN_CACHE_SIZE", DEFAULT_SIZE))
        if max_tasks is None:
            max_tasks = size * TASKS_PER_ENTRY
        self._size = size
        self._max_tasks = max_tasks
        self._tasks = 0
        self._entries: OrderedDict[int, tuple[int, object, int]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, instance_id: int, row_version: int):
        """The run saved as this version, removed from the cache; None if there is none."""
        with self._lock:
            entry = self._entries.pop(instance_id, None)
            if entry is not None:
                self._tasks -= entry[2]
        if entry is None or entry[0] != row_version:
            return None
        return entry[1]

    def put(self, instance_id: int, row_version: int, run) -> None:
        weight = run.task_count()
        if weight < MIN_TASKS_TO_KEEP:
            return  # cheaper to reload than to keep (see DEFAULT_SIZE)
        with self._lock:
            previous = self._entries.pop(instance_id, None)
            if previous is not None:
                self._tasks -= previous[2]
            self._entries[instance_id] = (row_version, run, weight)
            self._tasks += weight
            while len(self._entries) > self._size or (
                self._tasks > self._max_tasks and len(self._entries) > 1
            ):
                _, evicted = self._entries.popitem(last=False)
                self._tasks -= evicted[2]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._tasks = 0
