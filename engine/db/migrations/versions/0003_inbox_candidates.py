"""inbox candidates: school on each candidate row, rows only for ready tasks

The inbox starts from `task_candidates` (who may claim what) and needs it small and
selective: a candidate row now carries its task's school, so a school administrator's
inbox is one index range, and rows of finished tasks are removed (the task row keeps
`candidate_roles` / `candidate_users` for the record). `ix_tasks_inbox` holds every column
the inbox filters and sorts on, so the candidates' tasks are checked in the index alone.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 03:45:00
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

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("task_candidates", sa.Column("school_id", sa.String(length=64), nullable=True))
    op.execute(
        "DELETE FROM task_candidates WHERE task_id IN (SELECT id FROM tasks WHERE state <> 'ready')"
    )
    op.execute(
        "UPDATE task_candidates SET school_id ="
        " (SELECT school_id FROM tasks WHERE tasks.id = task_candidates.task_id)"
    )
    op.create_index("ix_task_candidates_task", "task_candidates", ["task_id"], unique=False)
    op.create_index(
        "ix_task_candidates_role_school", "task_candidates", ["role_key", "school_id"], unique=False
    )
    op.drop_index("ix_task_candidates_role", table_name="task_candidates")
    op.create_index("ix_tasks_inbox", "tasks", list(INBOX_COLUMNS), unique=False)


def downgrade() -> None:
    op.drop_index("ix_tasks_inbox", table_name="tasks")
    op.create_index("ix_task_candidates_role", "task_candidates", ["role_key"], unique=False)
    op.drop_index("ix_task_candidates_role_school", table_name="task_candidates")
    op.drop_index("ix_task_candidates_task", table_name="task_candidates")
    with op.batch_alter_table("task_candidates") as batch:
        batch.drop_column("school_id")
