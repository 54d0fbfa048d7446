"""Where an instance's workflow state is stored: its row and its chunks of frozen tasks.

A save (`WorkflowRun.save`) gives the row's JSON and, now and then, a chunk of finished
tasks that leave the row for good (decision 0010). Chunks are append-only and numbered
by the index of their first task, so one save writes what changed, not the history.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, insert, select

from engine.bpmn.serializer import SavedState
from engine.db.models import Instance, InstanceTaskChunk
from engine.errors import InvalidStateError

_CHUNKS = (
    select(InstanceTaskChunk.task_count, InstanceTaskChunk.tasks_json)
    .where(InstanceTaskChunk.instance_id == bindparam("instance_id"))
    .order_by(InstanceTaskChunk.seq)
)
_ADD_CHUNK = insert(InstanceTaskChunk)
_DROP_CHUNKS = delete(InstanceTaskChunk).where(
    InstanceTaskChunk.instance_id == bindparam("instance_id")
)


def read_chunks(session, instance: Instance) -> list[str]:
    """The JSON of the instance's frozen tasks, in order (none for most instances)."""
    if not instance.frozen_tasks:
        return []
    rows = session.connection().execute(_CHUNKS, {"instance_id": instance.id}).all()
    held = sum(count for count, _ in rows)
    if held != instance.frozen_tasks:
        raise InvalidStateError(
            f"instance {instance.id}: its stored task chunks hold {held} tasks,"
            f" its row says {instance.frozen_tasks}"
        )
    return [text for _, text in rows]


def apply_state(instance: Instance, saved: SavedState) -> None:
    """Put a save's row JSON on the instance; the caller writes the row, then the chunks."""
    instance.workflow_state = saved.row
    instance.frozen_tasks = saved.frozen_tasks


def write_chunks(db, instance_id: int, saved: SavedState) -> None:
    """Write a save's chunk changes, after the instance row: the row's `row_version`
    check then turns a concurrent step into a conflict before its chunk could clash.
    `db`: a unit of work or a session."""
    if not saved.rewritten and saved.new_chunk is None:
        return
    connection = db.connection()
    if saved.rewritten:
        connection.execute(_DROP_CHUNKS, {"instance_id": instance_id})
    if saved.new_chunk is not None:
        connection.execute(
            _ADD_CHUNK,
            {
                "instance_id": instance_id,
                "seq": saved.chunk_start,
                "task_count": saved.frozen_tasks - saved.chunk_start,
                "tasks_json": saved.new_chunk,
            },
        )
