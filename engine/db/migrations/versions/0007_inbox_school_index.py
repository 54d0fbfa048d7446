"""inbox school index: a school's open tasks with the inbox's columns

A school-scoped user's candidate rows are all at their schools, and a candidate row
carries its task's school. Probing the inbox index once per candidate (~1,900 for a
school administrator) was most of a page on PostgreSQL; the inbox now also reads the
school's open tasks as one range of this index and keeps those with a candidate row
(decision 0011). It replaces `ix_tasks_state_school`, which no query used.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 09:00:00
"""

import sqlalchemy as sa
from alembic import op

# The columns, in order (copied: a migration must not change later).
SCHOOL_INBOX_COLUMNS = [
    "school_id",
    "process_id",
    "assignee",
    "due_at",
    "created_at",
    "subject",
    "id",
]
READY = sa.text("state = 'ready'")

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_tasks_school_ready",
        "tasks",
        SCHOOL_INBOX_COLUMNS,
        unique=False,
        sqlite_where=READY,
        postgresql_where=READY,
    )
    op.drop_index("ix_tasks_state_school", table_name="tasks")


def downgrade() -> None:
    op.create_index("ix_tasks_state_school", "tasks", ["state", "school_id"], unique=False)
    op.drop_index("ix_tasks_school_ready", table_name="tasks")
