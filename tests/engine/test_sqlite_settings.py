"""How the embedded SQLite store is set up: WAL, foreign keys, and the chosen durability."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from engine.db.session import make_db_engine


def _pragma(url: str, name: str):
    db_engine = make_db_engine(url)
    try:
        with db_engine.connect() as conn:
            return conn.execute(text(f"PRAGMA {name}")).scalar_one()
    finally:
        db_engine.dispose()


def test_sqlite_file_uses_wal_foreign_keys_and_normal_sync_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("SROFLOW_SQLITE_SYNCHRONOUS", raising=False)
    url = f"sqlite:///{tmp_path / 'settings.db'}"
    assert _pragma(url, "journal_mode") == "wal"
    assert _pragma(url, "foreign_keys") == 1
    assert _pragma(url, "synchronous") == 1  # NORMAL


def test_full_sync_on_request(tmp_path, monkeypatch):
    monkeypatch.setenv("SROFLOW_SQLITE_SYNCHRONOUS", "full")
    assert _pragma(f"sqlite:///{tmp_path / 'full.db'}", "synchronous") == 2  # FULL


def test_unknown_sync_setting_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("SROFLOW_SQLITE_SYNCHRONOUS", "sometimes")
    with pytest.raises(ValueError, match="SROFLOW_SQLITE_SYNCHRONOUS must be one of"):
        _pragma(f"sqlite:///{tmp_path / 'bad.db'}", "synchronous")
