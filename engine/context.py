"""What one engine call works with: its database session, the clock, the spec cache and the
sandboxed script engine. One call = one Context = one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.orm import Session

from engine.assignment import role_lookup
from engine.identity import role_keys
from engine.specs import SpecCache


@dataclass
class Context:
    session: Session
    clock: object
    specs: SpecCache
    script_engine: object
    message_starts: int = 0  # instances started by messages in this call (loop guard)

    def now(self):
        return self.clock.now()

    @cached_property
    def role_lookup(self) -> dict[str, str]:
        return role_lookup({key: role.name for key, role in role_keys(self.session).items()})
