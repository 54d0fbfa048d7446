"""partial task indexes: each index holds only the rows some query looks up through it

A task completion wrote ~26 pages to SQLite's WAL, several of them for index entries no
query reads: every open task under `completed_by` NULL in `ix_tasks_completed_by`, every
role candidate under `username` NULL and every user candidate under `role_key` NULL, and
on SQLite every completed task in `ix_tasks_state_assignee` (its queries all ask for
ready tasks). Each of these indexes now holds only the rows its queries can match, so a
step writes fewer index pages (decision 0012). `ix_audit_events_at`, which no query used
(an instance's history is found by instance id), is dropped.

`ix_tasks_state_assignee` stays whole on PostgreSQL: there a `state = 'ready'` the index's
WHERE implies is no longer a lookup key, so each claimed-tasks lookup would read the
whole index.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 11:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# (table, index, columns, rows kept), as of this revision (copied: a migration must not
# change later).
PARTIAL = [
    (
        "tasks",
        "ix_tasks_completed_by",
        ["completed_by", "state", "completed_at"],
        "completed_by IS NOT NULL",
    ),
    (
        "task_candidates",
        "ix_task_candidates_role_school",
        ["role_key", "school_id", "task_id"],
        "role_key IS NOT NULL",
    ),
    (
        "task_candidates",
        "ix_task_candidates_user",
        ["username", "task_id"],
        "username IS NOT NULL",
    ),
]
PARTIAL_ON_SQLITE = [("tasks", "ix_tasks_state_assignee", ["state", "assignee"], "state = 'ready'")]


def upgrade() -> None:
    for table, name, columns, where in _partial():
        op.drop_index(name, table_name=table)
        op.create_index(
            name,
            table,
            columns,
            unique=False,
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )
    op.drop_index("ix_audit_events_at", table_name="audit_events")


def downgrade() -> None:
    op.create_index("ix_audit_events_at", "audit_events", ["at"], unique=False)
    for table, name, columns, _ in _partial():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, unique=False)


def _partial() -> list[tuple[str, str, list[str], str]]:
    """The indexes this revision makes partial on the database being migrated."""
    if op.get_bind().dialect.name == "sqlite":
        return PARTIAL + PARTIAL_ON_SQLITE
    return PARTIAL
