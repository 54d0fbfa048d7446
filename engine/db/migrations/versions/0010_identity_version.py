"""identity version: a number that moves whenever who-may-do-what changes

Every engine call starts by reading the acting user with their roles and schools (one
joined query and the objects built from it): ~2% of a task completion. A server may keep
that answer while nothing it depends on changed; this row's `version` says when it did.
Triggers bump it on any change of a user's name or active flag, of their roles or
schools, or of a role, so a change made by another process, another host or plain SQL
is seen as well as one made through the engine.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 15:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# (table, the columns whose UPDATE matters; None: any), as of this revision.
WATCHED = [
    ("users", ("username", "active")),
    ("user_roles", None),
    ("user_schools", None),
    ("roles", ("key", "school_scoped")),
]
BUMP = "UPDATE identity_version SET version = version + 1 WHERE id = 1"
FUNCTION = "sroflow_bump_identity_version"


def _events(columns) -> list[tuple[str, str]]:
    """(trigger name suffix, SQL event) for one table."""
    update = "UPDATE" if columns is None else f"UPDATE OF {', '.join(columns)}"
    return [("insert", "INSERT"), ("update", update), ("delete", "DELETE")]


def upgrade() -> None:
    op.create_table(
        "identity_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO identity_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS"
            f" $$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table, columns in WATCHED:
            events = " OR ".join(event for _, event in _events(columns))
            op.execute(
                f"CREATE TRIGGER {table}_identity_version AFTER {events} ON {table}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
        return
    for table, columns in WATCHED:
        for suffix, event in _events(columns):
            op.execute(
                f"CREATE TRIGGER {table}_identity_version_{suffix} AFTER {event} ON {table}"
                f" BEGIN {BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _ in WATCHED:
            op.execute(f"DROP TRIGGER {table}_identity_version ON {table}")
        op.execute(f"DROP FUNCTION {FUNCTION}()")
    else:
        for table, columns in WATCHED:
            for suffix, _ in _events(columns):
                op.execute(f"DROP TRIGGER {table}_identity_version_{suffix}")
    op.drop_table("identity_version")
