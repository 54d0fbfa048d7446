"""Drive the shipped workflows through `EngineService` the way their users would.

A scenario starts instances, opens the tasks a user sees in their inbox and submits forms
like the browser does (every field of the form, empty ones as None, unticked boxes as
False). Time moves only through `pass_time`, which fires the timers that came due.
With a `FlowRecorder`, every step also records which sequence flows the instances took.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine import EngineService, FixedClock, FormField
from tests.workflows.flows import FlowRecorder

WORKFLOWS = str(Path(__file__).resolve().parents[2] / "workflows")


def browser_submission(form: tuple[FormField, ...], values: dict) -> dict:
    """What a browser posts for this form: every editable field, filled or not."""
    submitted = {
        field.id: (False if field.type == "boolean" else None)
        for field in form
        if not field.readonly
    }
    submitted.update(values)
    return submitted


@dataclass
class Driver:
    """One scenario's view of the engine: its users' inboxes, forms and the clock."""

    service: EngineService
    clock: FixedClock
    recorder: FlowRecorder | None = None

    # -- acting ---------------------------------------------------------------------------

    def start(self, process_id: str, *, username: str = "hana", **values) -> int:
        """Start a process through its start form; returns the instance id."""
        form = self.service.get_process(process_id).start_form
        record = self.service.start_instance(
            process_id, username=username, data=browser_submission(form, values)
        )
        self._snapshot()
        return record.id

    def complete(self, username: str, element_id: str, instance_id: int, *, where=None, **values):
        """Open the user's task for `element_id` in the instance and submit its form.

        `where` picks one of several such tasks (multi-instance) by the data it shows.
        """
        return self.complete_task(
            username, self.task(username, element_id, instance_id, where=where), **values
        )

    def complete_task(self, username: str, task, **values):
        """Submit the form of a task from the user's inbox."""
        form = self.service.get_task(task.id, username=username).form
        done = self.service.complete_task(
            task.id, username=username, data=browser_submission(form, values)
        )
        self._snapshot()
        return done

    def pass_time(self, **delta) -> None:
        """Move the clock (timedelta keywords) and fire every timer that came due."""
        self.clock.advance(**delta)
        self.service.fire_due_timers()
        self._snapshot()

    # -- looking --------------------------------------------------------------------------

    def inbox(self, username: str, instance_id: int | None = None) -> list:
        """The ready tasks the user may work (unclaimed or theirs), optionally of one instance."""
        return [
            t
            for t in self.service.list_tasks(username=username, limit=500)
            if (instance_id is None or t.instance_id == instance_id)
            and t.assignee in (None, username)
        ]

    def inbox_elements(self, username: str, instance_id: int | None = None) -> list[str]:
        return sorted(t.element_id for t in self.inbox(username, instance_id))

    def task(self, username: str, element_id: str, instance_id: int, *, where=None):
        """The one task for `element_id` in the instance that the user may work
        (among several, the one whose data has the values in `where`)."""
        found = [t for t in self.inbox(username, instance_id) if t.element_id == element_id]
        if where:
            found = [
                t
                for t in found
                if all(
                    self.service.get_task(t.id, username=username).data.get(key) == value
                    for key, value in where.items()
                )
            ]
        assert len(found) == 1, (
            f"{username} should have one '{element_id}' task{' ' + str(where) if where else ''}"
            f" in instance {instance_id}, has {self.inbox_elements(username, instance_id)}"
        )
        return found[0]

    def task_form(self, username: str, element_id: str, instance_id: int, *, where=None):
        """The task as its form page shows it (fields and visible data)."""
        task = self.task(username, element_id, instance_id, where=where)
        return self.service.get_task(task.id, username=username)

    def instance(self, instance_id: int):
        return self.service.get_instance(instance_id)

    def data(self, instance_id: int) -> dict:
        return self.service.get_instance(instance_id).data

    def instances(self, process_id: str, **match) -> list:
        """Instances of a process (oldest first) whose data has the given values."""
        found = self.service.list_instances(process_id=process_id, limit=1000)
        return sorted(
            (i for i in found if all(i.data.get(k) == v for k, v in match.items())),
            key=lambda i: i.id,
        )

    def open_elements(self, instance_id: int) -> list[str]:
        """What the instance waits for now: ready tasks, timers, messages."""
        return sorted(self.service.get_instance_diagram(instance_id).active_element_ids)

    # -- recording ------------------------------------------------------------------------

    def _snapshot(self) -> None:
        if self.recorder is None:
            return
        for instance in self.service.list_instances(limit=1000):
            self.recorder.record(self.service.get_instance_diagram(instance.id))
