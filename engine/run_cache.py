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

# Every workflow kept is objects that each full garbage collection walks (a small one ~70,
# a task ~10): the cache is bounded by the tasks it holds together, so that walk stays a
# few milliseconds however the workflows are sized. Serving processes freeze what start-up
# made (webui/startup.py), so the kept workflows are most of what a full collection walks.
DEFAULT_SIZE = 1024
DEFAULT_MAX_TASKS = 20_000


class RunCache:
    """A bounded LRU of {instance id: (row version, WorkflowRun)}, safe across threads.

    Bounded by entries and by the tasks they hold together, so long histories cannot grow
    it without limit; a workflow bigger than the whole bound is not kept at all.
    """

    def __init__(self, size: int | None = None, max_tasks: int = DEFAULT_MAX_TASKS):
        if size is None:
            size = int(os.environ.get("SROFLOW_RUN_CACHE_SIZE", DEFAULT_SIZE))
        self._size = size
        self._max_tasks = max_tasks
        self._tasks = 0
        self._entries: OrderedDict[int, tuple[int, object, int]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, instance_id: int, row_version: int):
        """The run saved as this version, removed from the cache; None if there is none."""
        entry = self._pop(instance_id)
        if entry is None or entry[0] != row_version:
            return None
        return entry[1]

    def put(self, instance_id: int, row_version: int, run) -> None:
        weight = run.task_count()
        if weight > self._max_tasks or self._size < 1:
            return
        with self._lock:
            previous = self._entries.pop(instance_id, None)
            if previous is not None:
                self._tasks -= previous[2]
            self._entries[instance_id] = (row_version, run, weight)
            self._tasks += weight
            while len(self._entries) > self._size or self._tasks > self._max_tasks:
                _, evicted = self._entries.popitem(last=False)
                self._tasks -= evicted[2]

    def discard(self, instance_id: int) -> None:
        """Forget the instance's workflow: its next step reads the row."""
        self._pop(instance_id)

    def _pop(self, instance_id: int):
        with self._lock:
            entry = self._entries.pop(instance_id, None)
            if entry is not None:
                self._tasks -= entry[2]
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._tasks = 0
