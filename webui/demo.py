"""Demo data (`sroflow demo`): schools, one user per role with a random password printed
once, every process under a workflows folder deployed, and instances at several stages.

Only the public EngineService is used, the same calls the pages make, so the demo also
shows that a fresh install works end to end. Instances move on by completing their tasks
with generated values (webui/demo_values.py) as a user who may work each task.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from engine import EngineError, EngineService, TaskRecord, UserRecord
from webui.demo_values import fill_form, person_name

SCHOOLS = (
    ("lincoln_high", "Lincoln High School"),
    ("roosevelt_middle", "Roosevelt Middle School"),
    ("washington_elementary", "Washington Elementary School"),
)
# username, full name, roles, schools: one per role, two school administrators.
PEOPLE = (
    ("hana", "Hana Park", ("hr",), ()),
    ("lina", "Lina Ortiz", ("school_admin",), ("lincoln_high",)),
    ("rosa", "Rosa Delgado", ("school_admin",), ("roosevelt_middle",)),
    ("sam", "Sam Whitaker", ("supervisor",), ()),
    ("ada", "Ada Brooks", ("agency_head",), ()),
    ("otto", "Otto Reyes", ("sro",), ("lincoln_high",)),
    ("pat", "Pat Nguyen", ("process_owner",), ()),
    ("root", "Robin Admin", ("admin",), ()),
)
STAGES = (0, 1, 2, 3)  # tasks completed per instance: one instance per stage and process
SOURCE_SUFFIXES = (".bpmn", ".dmn")


@dataclass
class DemoResult:
    passwords: dict[str, str] = field(default_factory=dict)
    deployed: list[str] = field(default_factory=list)
    instances: list[tuple[int, str, str]] = field(default_factory=list)  # id, process, state
    notes: list[str] = field(default_factory=list)


def _add_people(service: EngineService, result: DemoResult) -> None:
    schools = {s.id for s in service.list_schools()}
    for school_id, name in SCHOOLS:
        if school_id not in schools:
            service.add_school(school_id, name)
    users = {u.username for u in service.list_users()}
    for username, name, roles, user_schools in PEOPLE:
        if username in users:
            result.notes.append(f"user {username} exists already; password unchanged")
            continue
        password = secrets.token_urlsafe(12)
        service.add_user(
            username, roles=roles, schools=user_schools, password=password, display_name=name
        )
        result.passwords[username] = password


def process_files(source: Path) -> list[Path]:
    """The .bpmn/.dmn files of a folder (recursively), or the one file given."""
    if source.is_file():
        return [source]
    return sorted(p for p in source.rglob("*") if p.suffix in SOURCE_SUFFIXES)


def _deploy(service: EngineService, workflows: Path, result: DemoResult) -> None:
    sources = process_files(workflows)
    if not sources:
        result.notes.append(f"no .bpmn or .dmn files under {workflows}: nothing deployed")
        return
    deployment = service.deploy_files([str(p) for p in sources], deployed_by="pat")
    result.deployed = [f"{p.process_id} v{p.version}" for p in deployment.processes]


def _worker(task: TaskRecord, users: list[UserRecord], scoped: set[str]) -> str | None:
    """A demo user who may work the task (the engine checks again when completing)."""
    if task.assignee:
        return task.assignee
    for user in users:
        if user.username in task.candidate_users:
            return user.username
        for role in set(user.roles).intersection(task.candidate_roles):
            if role not in scoped or task.school_id is None or task.school_id in user.schools:
                return user.username
    return None


class _Walker:
    """Starts instances and completes their tasks with generated values."""

    def __init__(self, service: EngineService, rng: random.Random):
        self.service = service
        self.rng = rng
        self.users = [u for u in service.list_users() if u.active]
        self.scoped = {r.key for r in service.list_roles() if r.school_scoped}

    def start(self, process, school_id: str, starter: str):
        # The demo's officer is otto (an SRO user): processes about an officer name him.
        known = {
            "school_id": school_id,
            "candidate_name": person_name(self.rng),
            "officer_id": "otto",
            "officer_name": "Otto Reyes",
        }
        now = self.service.clock.now()
        if process.start_form:
            data = fill_form(process.start_form, self.rng, now, known)
        else:
            data = {"school_id": school_id}
        return self.service.start_instance(process.process_id, username=starter, data=data)

    def advance(self, instance_id: int, steps: int) -> str:
        """Complete up to `steps` tasks; return the instance's state afterwards."""
        state = self.service.get_instance(instance_id).state
        for _ in range(steps):
            record = self.service.get_instance(instance_id)
            state = record.state
            if state != "running" or not record.open_tasks:
                break
            task = record.open_tasks[0]
            worker = _worker(task, self.users, self.scoped)
            if worker is None:
                return f"{state}, waiting at '{task.name}' (no demo user works there)"
            form = self.service.get_task(task.id, username=worker).form
            data = fill_form(form, self.rng, self.service.clock.now())
            self.service.complete_task(task.id, username=worker, data=data)
            state = self.service.get_instance(instance_id).state
        return state


def _starter(service: EngineService, process_id: str) -> str | None:
    for username in ("hana", "root"):
        startable = service.list_startable_processes(username)
        if process_id in {p.process_id for p in startable}:
            return username
    return None


def load_demo(service: EngineService, workflows: Path, *, seed: int | None = None) -> DemoResult:
    """Create the demo people, deploy `workflows` (a folder or one file), start instances."""
    result = DemoResult()
    rng = random.Random(seed)
    _add_people(service, result)
    _deploy(service, workflows, result)
    walker = _Walker(service, rng)
    schools = [school_id for school_id, _ in SCHOOLS]
    for process in service.list_processes():
        starter = _starter(service, process.process_id)
        if starter is None:
            result.notes.append(f"no demo user may start {process.process_id}")
            continue
        for number, steps in enumerate(STAGES):
            try:
                instance = walker.start(process, schools[number % len(schools)], starter)
                state = walker.advance(instance.id, steps)
            except EngineError as error:
                result.notes.append(f"{process.process_id}: stopped early: {error}")
                break
            result.instances.append((instance.id, process.process_id, state))
    return result


def print_result(result: DemoResult, out: Callable[[str], None] = print) -> None:
    """The one place the passwords appear: they are not stored anywhere in clear text."""
    if result.passwords:
        out("Demo users (passwords are shown only now; write them down):")
        width = max(len(u) for u in result.passwords)
        people = {username: (name, roles) for username, name, roles, _ in PEOPLE}
        for username, password in result.passwords.items():
            name, roles = people[username]
            out(f"  {username.ljust(width)}  {password}  {name} ({', '.join(roles)})")
    for line in result.deployed:
        out(f"deployed {line}")
    for instance_id, process_id, state in result.instances:
        out(f"instance {instance_id}: {process_id}, {state}")
    for note in result.notes:
        out(f"note: {note}")
