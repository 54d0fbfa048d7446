"""Database connections: the URL, the SQLAlchemy Engine and sessions.

SQLite is the zero-setup default (WAL, foreign keys on); PostgreSQL is the
scale-out store, named by `SROFLOW_DATABASE_URL`.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_SQLITE_PATH = Path("instance") / "sroflow.db"


def database_url() -> str:
    """`SROFLOW_DATABASE_URL`, else the SQLite file `instance/sroflow.db`."""
    url = os.environ.get("SROFLOW_DATABASE_URL")
    if url:
        return normalize_url(url)
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def normalize_url(url: str) -> str:
    """Accept `postgresql://` URLs and use psycopg 3 for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_db_engine(url: str | None = None, **kwargs) -> Engine:
    """An Engine for the URL, with SQLite tuned for a durable single-writer store."""
    url = normalize_url(url) if url else database_url()
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 15, "check_same_thread": False})
        db_engine = create_engine(url, **kwargs)
        event.listen(db_engine, "connect", _sqlite_pragmas)
        return db_engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


# NORMAL (the default, SQLite's advice for WAL): never corrupt, and a crash of sroflow
# loses nothing committed, but a power cut or OS crash may roll back the last commits.
# FULL fsyncs every commit so those survive too; that fsync costs more than the rest of a
# step (decision 0008, docs/performance.md). PostgreSQL, the production store, is durable.
SQLITE_SYNCHRONOUS = ("NORMAL", "FULL")


def _synchronous() -> str:
    value = os.environ.get("SROFLOW_SQLITE_SYNCHRONOUS", "NORMAL").strip().upper()
    if value not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"SROFLOW_SQLITE_SYNCHRONOUS must be one of {SQLITE_SYNCHRONOUS}")
    return value


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={_synchronous()}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def make_session_factory(db_engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(db_engine, expire_on_commit=False)
