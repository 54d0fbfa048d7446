"""One engine call's transaction: a connection from the pool, and an ORM session only when
something asks for one.

A SQLAlchemy `Session` costs about 60 µs to begin, commit and close, more than half of
what a task completion's SQL costs. The completion path runs its few statements on the
connection (engine/db/prepared.py) and never needs the ORM; other engine calls ask for
`session`, which is bound to the same connection and so works in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session


class UnitOfWork:
    """The database side of one engine call: everything it writes commits together."""

    def __init__(
        self,
        db_engine: Engine,
        session_factory: Callable[..., Session],
        before_commit: tuple[Callable[[UnitOfWork], None], ...] = (),
    ):
        self._engine = db_engine
        self._session_factory = session_factory
        self._before_commit = before_commit
        self._connection: Connection | None = None
        self._transaction = None
        self._session: Session | None = None
        # Shared with the session once there is one, so what is kept here (the audit
        # events waiting for the commit) is one list whichever of the two was handed on.
        self.info: dict = {}

    def connection(self) -> Connection:
        """The connection this unit's statements run on, in its transaction (named like
        `Session.connection`, so code that takes either works with both)."""
        if self._connection is None:
            connection = self._engine.connect()
            self._transaction = connection.begin()
            self._connection = connection
        return self._connection

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

    def close(self) -> None:
        """Roll back whatever was not committed and give the connection back."""
        if self._session is not None:
            self._session.close()
            self._session = None
        if self._connection is not None:
            self._connection.close()  # rolls back an open transaction
            self._connection = self._transaction = None
