"""Write one changed row without an ORM flush.

A flush of two changed objects (the instance and the completed task) cost more than
every SQL statement of the step together. `write_changes` sends the same UPDATE, with
the same optimistic lock on `row_version`, and tells the session the row is clean.
"""

from __future__ import annotations

from sqlalchemy import bindparam, inspect, update
from sqlalchemy.orm.attributes import NO_VALUE, set_committed_value

from engine.errors import ConflictError

_statements: dict = {}


def write_changes(session, row) -> None:
    """UPDATE the columns of `row` changed since it was loaded or last written, checking
    and bumping its `row_version`; a row someone else changed meanwhile is a conflict."""
    state = inspect(row)
    if not state.committed_state or state.pending or state.transient:
        return
    table = state.mapper.local_table
    columns = [
        key for key in state.committed_state if key in table.c and key != "row_version"
    ]  # anything else (a relationship) is left to the flush
    values = {
        key: state.dict[key]
        for key in columns
        if state.committed_state[key] is NO_VALUE or state.committed_state[key] != state.dict[key]
    }
    if not values:
        for key in columns:  # assigned, but to the value it had
            set_committed_value(row, key, state.dict[key])
        return
    old_version = state.committed_state.get("row_version", state.dict["row_version"])
    params = {f"new_{key}": value for key, value in values.items()}
    params.update(row_id=state.identity[0], old_version=old_version, new_version=old_version + 1)
    result = session.connection().execute(_statement(table, tuple(sorted(values))), params)
    if result.rowcount != 1:
        raise ConflictError("someone else changed this at the same time; reload and try again")
    for key in columns:
        set_committed_value(row, key, state.dict[key])
    set_committed_value(row, "row_version", old_version + 1)
    _forget_modified(session, state)


def _forget_modified(session, state) -> None:
    """Tell the session the row is clean, so its flush skips it entirely.

    `set_committed_value` clears each attribute's history but leaves the row flagged as
    modified, and flushing a flagged row with nothing to write still walks the whole
    unit of work. SQLAlchemy has no public call for this; `_commit_all` is what its own
    flush runs after writing a row (pinned to 2.0 in pyproject.toml). Rows with other
    pending changes (a relationship) keep their flag for the flush."""
    if not state.committed_state:
        state._commit_all(state.dict, session.identity_map)


def _statement(table, keys: tuple[str, ...]):
    """The UPDATE for this set of columns, built once."""
    statement = _statements.get((table.name, keys))
    if statement is None:
        statement = (
            update(table)
            .where(
                table.c.id == bindparam("row_id"),
                table.c.row_version == bindparam("old_version"),
            )
            .values(
                {key: bindparam(f"new_{key}") for key in keys}
                | {"row_version": bindparam("new_version")}
            )
        )
        _statements[(table.name, keys)] = statement
    return statement
