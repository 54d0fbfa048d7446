"""Parsed process versions kept in memory: a version never changes once stored, so its
spec JSON and per-element details are loaded once per process, not once per step."""

from __future__ import annotations

from collections import OrderedDict

from sqlalchemy.orm import Session

from engine.assignment import role_lookup
from engine.bpmn import serializer
from engine.db.models import ProcessVersion
from engine.errors import NotFoundError
from engine.forms import FormField, fields_from_form
from engine.identity import role_keys


class SpecCache:
    """Spec JSON and per-element details of process versions, kept per process.

    Versions never change once stored, so entries never go stale; the LRU bound keeps memory
    flat when many versions exist.
    """

    def __init__(self, size: int = 256):
        self._size = size
        self._entries: OrderedDict[int, VersionSpec] = OrderedDict()
        self._role_lookup: dict[str, str] | None = None

    def role_lookup(self, session: Session) -> dict[str, str]:
        """Normalized role key or name -> role key. Roles are seeded by migrations only, so
        they are read once per process (a new role needs a restart, as a migration does)."""
        if self._role_lookup is None:
            self._role_lookup = role_lookup(
                {key: role.name for key, role in role_keys(session).items()}
            )
        return self._role_lookup

    def cached_role_lookup(self) -> dict[str, str] | None:
        return self._role_lookup

    def cached(self, version_id: int) -> VersionSpec | None:
        """The version if it is in memory (no database needed), else None."""
        entry = self._entries.get(version_id)
        if entry is not None:
            self._entries.move_to_end(version_id)
        return entry

    def get(self, session: Session, version_id: int) -> VersionSpec:
        entry = self._entries.get(version_id)
        if entry is None:
            row = session.get(ProcessVersion, version_id)
            if row is None:
                raise NotFoundError(f"process version {version_id} does not exist")
            entry = VersionSpec(row.id, row.process_id, row.version, row.spec_json)
            self._entries[version_id] = entry
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(version_id)
        return entry


class VersionSpec:
    """One process version: its spec JSON and, built lazily, each user task's form."""

    def __init__(self, version_id: int, process_id: str, version: int, spec_json: str):
        self.version_id = version_id
        self.process_id = process_id
        self.version = version
        self.spec_json = spec_json
        self._elements: dict | None = None
        self._forms: dict[str, tuple] = {}
        self._shared: tuple | None = None
        self._shareable: bool | None = None

    def shared_specs(self) -> tuple | None:
        """(spec, subprocess_specs) objects that every workflow of this version can run
        on, built once; None when running may rewrite them (then each workflow builds its
        own from `spec_json`)."""
        if self._shareable is None:
            specs = serializer.specs_from_json(self.spec_json)
            self._shareable = not serializer.specs_change_while_running(*specs)
            self._shared = specs if self._shareable else None
        return self._shared

    def element(self, element_id: str):
        """The spec of one element (a user task's form and documentation), by BPMN id."""
        if self._elements is None:
            spec, subprocess_specs = self.shared_specs() or serializer.specs_from_json(
                self.spec_json
            )
            elements = {}
            for process in [spec, *subprocess_specs.values()]:
                for task_spec in process.task_specs.values():
                    known = elements.get(task_spec.bpmn_id)
                    # A multi-instance user task's form lives on its "[child]" spec.
                    if task_spec.bpmn_id and (known is None or not hasattr(known, "form")):
                        elements[task_spec.bpmn_id] = task_spec
            self._elements = elements
        return self._elements.get(element_id)

    def form(self, element_id: str) -> tuple[tuple[FormField, ...], str | None]:
        """A user task's form fields and documentation, converted once per version."""
        found = self._forms.get(element_id)
        if found is None:
            element = self.element(element_id)
            found = (
                ((), None)
                if element is None
                else (
                    fields_from_form(getattr(element, "form", None)),
                    getattr(element, "documentation", None),
                )
            )
            self._forms[element_id] = found
        return found
