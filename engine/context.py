"""What one engine call works with: its database session, the clock, the spec cache and the
sandboxed script engine. One call = one Context = one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.orm import Session

from engine.run_cache import RunCache
from engine.specs import SpecCache


@dataclass
class Context:
    session: Session
    clock: object
    specs: SpecCache
    script_engine: object
    message_starts: int = 0  # instances started by messages in this call (loop guard)
    acting_user: str | None = None  # who caused this step (None: the scheduler)
    runs: RunCache | None = None  # workflows kept in memory between steps
    # Called after the transaction committed (never after a rollback).
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def now(self):
        return self.clock.now()

    def keep_run(self, instance, run) -> None:
        """Keep `run` for the instance's next step once this transaction has committed."""
        if self.runs is not None:
            self.after_commit.append(lambda: self.runs.put(instance.id, instance.row_version, run))

    @cached_property
    def role_lookup(self) -> dict[str, str]:
        return self.specs.role_lookup(self.session)
