"""One engine call's transaction: a connection (kept from the last unit on SQLite), and an
ORM session only when something asks for one.

A SQLAlchemy `Session` costs about 60 µs to begin, commit and close, more than half of
what a task completion's SQL costs. The completion path runs its few statements on the
connection (engine/db/prepared.py) and never needs the ORM; other engine calls ask for
`session`, which is bound to the same connection and so works in the same transaction.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session


class IdleConnections:
    """Connections kept between units of work, so the next unit skips the pool.

    Taking a connection from SQLAlchemy's pool and giving it back cost ~30 µs of a ~1 ms
    completion. For a SQLite file there is no server that could drop a connection, so a
    unit that committed leaves its connection here (up to `keep` of them) for the next
    one, in any thread, as the pool would. A unit that failed closes its connection. Not
    used for PostgreSQL, whose pool checks a connection (pre-ping) each time it is taken.
    """

    def __init__(self, db_engine: Engine, keep: int = 4):
        self._engine = db_engine
        self._keep = keep
        self._idle: list[Connection] = []
        self._pid = os.getpid()
        event.listen(db_engine, "engine_disposed", lambda _engine: self.close_all())

    def __len__(self) -> int:
        """How many connections wait here."""
        return len(self._idle)

    def take(self) -> Connection:
        if self._pid != os.getpid():  # a forked child must not share its parent's
            self._idle, self._pid = [], os.getpid()
        try:
            return self._idle.pop()  # atomic: threads never get the same one
        except IndexError:
            return self._engine.connect()

    def give_back(self, connection: Connection) -> None:
        if len(self._idle) < self._keep and self._pid == os.getpid():
            self._idle.append(connection)
        else:
            connection.close()

    def close_all(self) -> None:
        """Close the kept connections for good (the engine's pool is being disposed, and a
        connection given back to a disposed pool would stay open)."""
        while self._idle:
            connection = self._idle.pop()
            connection.invalidate()  # closes the DBAPI connection now
            connection.close()


class UnitOfWork:
    """The database side of one engine call: everything it writes commits together."""

    def __init__(
        self,
        db_engine: Engine,
        session_factory: Callable[..., Session],
        before_commit: tuple[Callable[[UnitOfWork], None], ...] = (),
        idle: IdleConnections | None = None,
    ):
        self._engine = db_engine
        self._idle = idle
        self._committed = False
        self._session_factory = session_factory
        self._before_commit = before_commit
        self._connection: Connection | None = None
        self._transaction = None
        self._session: Session | None = None
        self._cursor = None
        # Shared with the session once there is one, so what is kept here (the audit
        # events waiting for the commit) is one list whichever of the two was handed on.
        self.info: dict = {}

    def connection(self) -> Connection:
        """The connection this unit's statements run on, in its transaction (named like
        `Session.connection`, so code that takes either works with both)."""
        if self._connection is None:
            idle = self._idle
            connection = idle.take() if idle is not None else self._engine.connect()
            self._transaction = connection.begin()
            self._connection = connection
        return self._connection

    def cursor(self) -> tuple:
        """(a DBAPI cursor on this unit's connection, its dialect): one cursor serves
        every prepared statement of the unit, each run to its end before the next."""
        if self._cursor is None:
            connection = self.connection()
            self._cursor = connection.connection.dbapi_connection.cursor()
        return self._cursor, self._engine.dialect

    @property
    def session(self) -> Session:
        """An ORM session on this unit's connection and transaction, made on first use."""
        if self._session is None:
            # "rollback_only": the session never commits the unit's transaction itself.
            session = self._session_factory(
                bind=self.connection(), join_transaction_mode="rollback_only"
            )
            session.info = self.info  # a memoized attribute: the instance's own dict wins
            self._session = session
        return self._session

    def flush(self) -> None:
        """Send the session's pending ORM changes, if a session was made."""
        if self._session is not None:
            self._session.flush()

    def commit(self) -> None:
        self.flush()
        for callback in self._before_commit:
            callback(self)
        if self._transaction is not None:
            self._transaction.commit()
        self._committed = True

    def close(self) -> None:
        """Roll back whatever was not committed and give the connection back."""
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None
        if self._session is not None:
            self._session.close()
            self._session = None
        if self._connection is not None:
            if self._committed and self._idle is not None:
                self._idle.give_back(self._connection)
            else:
                self._connection.close()  # rolls back an open transaction
            self._connection = self._transaction = None
