"""inbox indexes for one pass: open tasks only, candidates with their task id

An inbox page is one pass over the user's candidate rows (decision 0009). Each candidate's
task is looked up in the inbox index: holding only ready tasks, it is a tenth of the size
it was with every completed task in it, so the lookups touch fewer pages. The candidate
indexes carry `task_id`, so SQLite finds a user's task ids in the index alone. "Completed
by me" is counted from `ix_tasks_completed_by` alone once it holds the state.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 06:00:00
"""

import sqlalchemy as sa
from alembic import op

# The columns the inbox filters and sorts on (copied: a migration must not change later).
INBOX_COLUMNS = [
    "id",
    "state",
    "assignee",
    "process_id",
    "school_id",
    "due_at",
    "created_at",
    "subject",
]
READY = sa.text("state = 'ready'")

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_tasks_inbox_ready",
        "tasks",
        INBOX_COLUMNS,
        unique=False,
        sqlite_where=READY,
        postgresql_where=READY,
    )
    op.drop_index("ix_tasks_inbox", table_name="tasks")
    _replace(
        "task_candidates", "ix_task_candidates_role_school", ["role_key", "school_id", "task_id"]
    )
    _replace("task_candidates", "ix_task_candidates_user", ["username", "task_id"])
    _replace("tasks", "ix_tasks_completed_by", ["completed_by", "state", "completed_at"])


def downgrade() -> None:
    _replace("tasks", "ix_tasks_completed_by", ["completed_by", "completed_at"])
    _replace("task_candidates", "ix_task_candidates_user", ["username"])
    _replace("task_candidates", "ix_task_candidates_role_school", ["role_key", "school_id"])
    op.create_index("ix_tasks_inbox", "tasks", INBOX_COLUMNS, unique=False)
    op.drop_index("ix_tasks_inbox_ready", table_name="tasks")


def _replace(table: str, name: str, columns: list[str]) -> None:
    op.drop_index(name, table_name=table)
    op.create_index(name, table, columns, unique=False)
