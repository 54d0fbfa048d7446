"""Who an engine call acts for, kept between calls while nothing it depends on changed.

Every engine call starts from the acting user with their roles and schools
(`identity.load_actor`: a joined query and the sets built from it, ~2% of a task
completion). The identity version (migration 0010) goes up in the same transaction as
any change to users, their roles or schools, or the roles, made by any process on any
host; an actor read at a version stands while the version does.
"""

from __future__ import annotations

from sqlalchemy import select

from engine.db.models import IdentityVersion
from engine.db.prepared import Prepared
from engine.identity import Actor, load_actor

# The version row's value, as a statement of its own or as a column of another query.
VERSION = select(IdentityVersion.version).where(IdentityVersion.id == 1).scalar_subquery()
_VERSION_QUERY = Prepared(select(VERSION))


def identity_version(db) -> int | None:
    """The current identity version (None on a database without the row)."""
    rows = _VERSION_QUERY.rows(db)
    return rows[0][0] if rows else None


class ActorCache:
    """Actors by username, each with the identity version it was read at."""

    def __init__(self, size: int = 4096):
        self._size = size
        self._actors: dict[str, tuple[int, Actor]] = {}

    def actor(self, db, username: str, version: int | None = None) -> Actor:
        """The actor for `username` as the database has it now. `version` is the identity
        version read in this transaction before the call (read here when not given)."""
        if version is None:
            version = identity_version(db)
            if version is None:
                return load_actor(db, username)
        kept = self._actors.get(username)
        if kept is not None and kept[0] == version:
            return kept[1]
        # Read after the version: what is kept is at least as new as its version says.
        actor = load_actor(db, username)
        if len(self._actors) >= self._size:
            self._actors.clear()
        self._actors[username] = (version, actor)
        return actor
