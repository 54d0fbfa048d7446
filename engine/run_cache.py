"""Workflows kept in memory between steps, so a step does not deserialize its instance.

An entry is keyed by the instance id and the row version it was saved as. A step *takes*
its entry (no other thread can use it meanwhile) and the entry comes back only after the
step's transaction committed; a rollback, or any other writer bumping the row version
(another process, a timer, a cancel), makes the next step load from the database again.
The optimistic lock on `instances.row_version` is what makes this safe.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class RunCache:
    """A bounded LRU of {instance id: (row version, WorkflowRun)}, safe across threads."""

    def __init__(self, size: int = 256):
        self._size = size
        self._entries: OrderedDict[int, tuple[int, object]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, instance_id: int, row_version: int):
        """The run saved as this version, removed from the cache; None if there is none."""
        with self._lock:
            entry = self._entries.pop(instance_id, None)
        if entry is None or entry[0] != row_version:
            return None
        return entry[1]

    def put(self, instance_id: int, row_version: int, run) -> None:
        with self._lock:
            self._entries[instance_id] = (row_version, run)
            self._entries.move_to_end(instance_id)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def discard(self, instance_id: int) -> None:
        with self._lock:
            self._entries.pop(instance_id, None)
