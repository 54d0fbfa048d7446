"""The few statements every step runs, handed straight to the database driver.

Through SQLAlchemy a statement costs 10 to 80 µs before and after the driver's own 2 to
10 µs (cache key, compiled-cache lookup, parameter and result processing, events), and a
completion ran about ten of them plus the session's bookkeeping: more than the workflow
step itself. A `Prepared` statement is still written in SQLAlchemy Core, so it stays
portable: it is compiled once per dialect, and each run only converts its parameters with
the column types' own processors and calls the driver on the connection of the unit of
work (engine/db/unit.py) or session, inside its transaction. Driver errors come out as
SQLAlchemy's, as they would from `Session.execute`, so callers handle conflicts the same
way.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError

from engine.db.unit import UnitOfWork


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # parameter names in driver order
    positional: bool
    binds: tuple  # (index in `names`, processor) for parameters whose type converts values
    results: tuple  # (column index, processor) for each result column that converts
    error: type  # the driver's base exception class
    fixed: dict  # values the statement itself carries (literals in Core become parameters)


class Prepared:
    """A Core statement run on the DBAPI cursor of a unit of work's (or a session's)
    connection."""

    def __init__(self, statement, *, keys: tuple[str, ...] | None = None):
        """`keys`: for an INSERT, the columns each row of parameters gives."""
        self._statement = statement
        self._keys = list(keys) if keys is not None else None
        self._compiled: dict[str, _Compiled] = {}

    def run(self, db, params: dict | None = None) -> int:
        """Execute once; returns how many rows it changed (read rows with `rows`)."""
        cursor, compiled = self._cursor(db)
        _execute(cursor, compiled, False, _convert(compiled, params or {}))
        changed = cursor.rowcount
        _done(db, cursor)
        return changed

    def run_many(self, db, rows: list[dict]) -> None:
        """Execute once per parameter dict (one driver call)."""
        if not rows:
            return
        cursor, compiled = self._cursor(db)
        _execute(cursor, compiled, True, [_convert(compiled, row) for row in rows])
        _done(db, cursor)

    def rows(self, db, params: dict | None = None) -> list[tuple]:
        """The result rows, with values converted as SQLAlchemy would (dates, JSON)."""
        cursor, compiled = self._cursor(db)
        _execute(cursor, compiled, False, _convert(compiled, params or {}))
        found = cursor.fetchall()
        _done(db, cursor)
        if not compiled.results:
            return found
        converted = []
        for row in found:
            values = list(row)
            for index, processor in compiled.results:
                values[index] = processor(values[index])
            converted.append(tuple(values))
        return converted

    def _cursor(self, db):
        if isinstance(db, UnitOfWork):
            cursor, dialect = db.cursor()
        else:
            connection = _session_connection(db)
            cursor, dialect = connection.connection.cursor(), connection.dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = self._compile(dialect)
        return cursor, compiled

    def _compile(self, dialect) -> _Compiled:
        compiled = self._statement.compile(dialect=dialect, column_keys=self._keys)
        positional = bool(compiled.positional)
        names = tuple(compiled.positiontup or ()) if positional else tuple(compiled.binds)
        processors = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
        binds = [(i, processors[name]) for i, name in enumerate(names) if name in processors]
        results = ()
        if getattr(self._statement, "is_select", False):
            processors = (
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in self._statement.selected_columns
            )
            results = tuple((i, p) for i, p in enumerate(processors) if p is not None)
        fixed = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
        return _Compiled(
            compiled.string,
            names,
            positional,
            tuple(binds),
            results,
            dialect.loaded_dbapi.Error,
            fixed,
        )


_CONNECTION = "sroflow_prepared_connection"


def _session_connection(session):
    """The session's connection in its current transaction (asking the session for it
    each time cost as much as running the statement)."""
    transaction = session.get_transaction()
    held = session.info.get(_CONNECTION)
    if held is None or held[0] is not transaction or transaction is None:
        connection = session.connection()
        held = session.info[_CONNECTION] = (session.get_transaction(), connection)
    return held[1]


def _done(db, cursor) -> None:
    """Close a session statement's cursor; a unit of work keeps its one cursor."""
    if not isinstance(db, UnitOfWork):
        cursor.close()


def _execute(cursor, compiled: _Compiled, many: bool, params) -> None:
    try:
        if many:
            cursor.executemany(compiled.sql, params)
        else:
            cursor.execute(compiled.sql, params)
    except compiled.error as error:
        raise DBAPIError.instance(compiled.sql, params, error, compiled.error) from error


def _convert(compiled: _Compiled, params: dict):
    """The parameters as the driver takes them: converted by type, in its order."""
    if compiled.fixed:
        params = {**compiled.fixed, **params}
    values = [params[name] for name in compiled.names]
    for index, processor in compiled.binds:
        values[index] = processor(values[index])
    return values if compiled.positional else dict(zip(compiled.names, values, strict=True))
