"""timers due index ends with the id: the claim query stops at its first row

Schedulers claim `ORDER BY due_at, id LIMIT 1 ... SKIP LOCKED`. With the index on
(state, due_at) alone, timers due at the same moment (a yearly start for every officer,
a batch of reminders) had to be sorted by id on every claim, so each claim cost as much as
there were due timers. With the id in the index the claim reads the index in order.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 07:45:00
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_timers_due", table_name="timers")
    op.create_index("ix_timers_due", "timers", ["state", "due_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_timers_due", table_name="timers")
    op.create_index("ix_timers_due", "timers", ["state", "due_at"], unique=False)
