"""instance task chunks: finished tasks leave the instance row in append-only batches

An instance's row held its whole serialized workflow, so every step rewrote the whole
history (437 KB at 1,000 tasks). Finished tasks never change: they now move, in batches,
to `instance_task_chunks`, written once (decision 0010). Existing rows need no change: a
row without chunks is read as before, and its finished tasks move out on its next steps.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 08:40:00
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instance_task_chunks",
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("task_count", sa.Integer(), nullable=False),
        sa.Column("tasks_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["instances.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("instance_id", "seq"),
    )
    op.add_column(
        "instances",
        sa.Column("frozen_tasks", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    """Put every instance's chunks back in front of the tasks in its row."""
    connection = op.get_bind()
    chunks: dict[int, dict] = {}
    for instance_id, tasks_json in connection.execute(
        sa.text(
            "SELECT instance_id, tasks_json FROM instance_task_chunks ORDER BY instance_id, seq"
        )
    ):
        chunks.setdefault(instance_id, {}).update(json.loads(tasks_json))
    for instance_id, tasks in chunks.items():
        state = connection.execute(
            sa.text("SELECT workflow_state FROM instances WHERE id = :id"), {"id": instance_id}
        ).scalar_one()
        workflow = json.loads(state)
        workflow["tasks"] = {**tasks, **workflow["tasks"]}
        connection.execute(
            sa.text("UPDATE instances SET workflow_state = :state WHERE id = :id"),
            {"state": json.dumps(workflow), "id": instance_id},
        )
    op.drop_table("instance_task_chunks")
    # Plain ALTER TABLE (SQLite 3.35+): a batch copy of `instances` would trip the foreign
    # keys that point at it.
    op.execute("ALTER TABLE instances DROP COLUMN frozen_tasks")
