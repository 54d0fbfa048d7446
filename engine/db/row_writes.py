"""Write one changed row without an ORM flush.

A flush of two changed objects (the instance and the completed task) cost more than
every SQL statement of the step together. `write_changes` sends the same UPDATE, with
the same optimistic lock on `row_version`, and tells the session the row is clean.

Loading the two as ORM objects cost as much again, so a completion reads them as
`PlainRow`s: the columns as attributes and the values as read, nothing else.
"""

from __future__ import annotations

from sqlalchemy import bindparam, inspect, select, update
from sqlalchemy.orm.attributes import NO_VALUE, set_committed_value

from engine.db.prepared import Prepared
from engine.errors import ConflictError

_statements: dict = {}
_column_keys: dict[str, tuple[str, ...]] = {}


class PlainRow:
    """A row read straight from the driver: its columns as attributes. `write_changes`
    writes the columns assigned a different value since it was read or last written."""

    def __init__(self, table, values: dict):
        self.__dict__.update(values)
        self._table = table
        self._written = values

    def __repr__(self) -> str:
        return f"<{self._table.name} {self._written.get('id')}>"

    def changed_values(self) -> dict:
        return {
            key: self.__dict__[key]
            for key, value in self._written.items()
            if key != "row_version" and self.__dict__[key] != value
        }

    def _mark_written(self, row_version: int) -> None:
        self.row_version = row_version
        self._written = {key: self.__dict__[key] for key in self._written}


def read_plain_rows(db, tables, statement: Prepared, params: dict) -> tuple | None:
    """The first result row of `statement` (which selects every column of each of
    `tables`, in order, then any other values) as one PlainRow per table followed by the
    other values; None if there is none."""
    found = statement.rows(db, params)
    if not found:
        return None
    values, start, rows = found[0], 0, []
    for table in tables:
        keys = _keys(table)
        end = start + len(keys)
        rows.append(PlainRow(table, dict(zip(keys, values[start:end], strict=True))))
        start = end
    return (*rows, *values[start:])


def _keys(table) -> tuple[str, ...]:
    """The table's column keys, in order (built once per table)."""
    keys = _column_keys.get(table.name)
    if keys is None:
        keys = _column_keys[table.name] = tuple(column.key for column in table.columns)
    return keys


def select_plain(*tables):
    """SELECT every column of each table, in the order `read_plain_rows` expects."""
    return select(*(column for table in tables for column in table.columns))


def write_changes(db, row) -> None:
    """UPDATE the columns of `row` changed since it was loaded or last written, checking
    and bumping its `row_version`; a row someone else changed meanwhile is a conflict.

    `db` is the unit of work or session the statement runs in; an ORM row's own session
    is told the row is clean."""
    if isinstance(row, PlainRow):
        values = row.changed_values()
        if values:
            _update(db, row._table, row.id, row.row_version, values)
            row._mark_written(row.row_version + 1)
        return
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
    _update(db, table, state.identity[0], old_version, values)
    for key in columns:
        set_committed_value(row, key, state.dict[key])
    set_committed_value(row, "row_version", old_version + 1)
    _forget_modified(state.session, state)


def _forget_modified(session, state) -> None:
    """Tell the session the row is clean, so its flush skips it entirely.

    `set_committed_value` clears each attribute's history but leaves the row flagged as
    modified, and flushing a flagged row with nothing to write still walks the whole
    unit of work. SQLAlchemy has no public call for this; `_commit_all` is what its own
    flush runs after writing a row (pinned to 2.0 in pyproject.toml). Rows with other
    pending changes (a relationship) keep their flag for the flush."""
    if not state.committed_state:
        state._commit_all(state.dict, session.identity_map)


def _update(db, table, row_id, old_version: int, values: dict) -> None:
    params = {f"new_{key}": value for key, value in values.items()}
    params.update(row_id=row_id, old_version=old_version, new_version=old_version + 1)
    if _statement(table, tuple(sorted(values))).run(db, params) != 1:
        raise ConflictError("someone else changed this at the same time; reload and try again")


def _statement(table, keys: tuple[str, ...]):
    """The UPDATE for this set of columns, built once."""
    statement = _statements.get((table.name, keys))
    if statement is None:
        statement = Prepared(
            update(table)
            .where(
                table.c.id == bindparam("row_id"),
                table.c.row_version == bindparam("old_version"),
            )
            .values(
                {key: bindparam(f"new_{key}", type_=table.c[key].type) for key in keys}
                | {"row_version": bindparam("new_version")}
            )
        )
        _statements[(table.name, keys)] = statement
    return statement
