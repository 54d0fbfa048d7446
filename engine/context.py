"""What one engine call works with: its unit of work (the transaction, with an ORM session
on demand), the clock, the spec cache and the sandboxed script engine. One call = one
Context = one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.orm import Session

from engine.actors import ActorCache
from engine.db.unit import UnitOfWork
from engine.identity import Actor, load_actor
from engine.run_cache import RunCache
from engine.specs import SpecCache, VersionSpec


@dataclass
class Context:
    db: UnitOfWork  # hot paths hand this to prepared statements: no ORM session is made
    clock: object
    specs: SpecCache
    script_engine: object
    message_starts: int = 0  # instances started by messages in this call (loop guard)
    acting_user: str | None = None  # who caused this step (None: the scheduler)
    runs: RunCache | None = None  # workflows kept in memory between steps
    actors: ActorCache | None = None  # who usernames stand for, kept between calls
    # Called after the transaction committed (never after a rollback).
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    @property
    def session(self) -> Session:
        """The ORM session of this call's transaction (made on first use)."""
        return self.db.session

    def actor(self, username: str, version: int | None = None) -> Actor:
        """The user this call acts for (NotFoundError if unknown or deactivated);
        `version`: the identity version, if this transaction has read it already."""
        if self.actors is None:
            return load_actor(self.db, username)
        return self.actors.actor(self.db, username, version)

    def version_spec(self, version_id: int) -> VersionSpec:
        """A process version's parsed spec; only a version not cached yet is read."""
        return self.specs.cached(version_id) or self.specs.get(self.session, version_id)

    def now(self):
        return self.clock.now()

    def keep_run(self, instance, run) -> None:
        """Keep `run` for the instance's next step once this transaction has committed."""
        if self.runs is not None:
            self.after_commit.append(lambda: self.runs.put(instance.id, instance.row_version, run))

    @cached_property
    def role_lookup(self) -> dict[str, str]:
        return self.specs.cached_role_lookup() or self.specs.role_lookup(self.session)
