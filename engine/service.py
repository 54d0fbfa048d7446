"""The engine's public service: every operation the CLI, the web app and tests use.

Each method is one unit of work: it opens a session, does its job, and commits, or rolls
back everything and raises one of `engine.errors`. A concurrent change to the same instance
or task surfaces as `ConflictError`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from engine import (
    audit,
    deployment,
    firing,
    identity,
    instances,
    login_failures,
    notifications,
    task_queries,
    tasks,
    timers,
)
from engine.actors import ActorCache
from engine.bpmn.parser import SourceFile
from engine.bpmn.runner import RunFailure
from engine.bpmn.sandbox import make_script_engine
from engine.clock import SystemClock
from engine.context import Context
from engine.db.migrate import upgrade_database
from engine.db.session import make_db_engine, make_session_factory
from engine.db.unit import IdleConnections, UnitOfWork
from engine.db.writer_lock import sqlite_file, writer_lock
from engine.errors import ConflictError, PermissionDeniedError
from engine.records import (
    DeploymentResult,
    InstanceDiagram,
    InstanceRecord,
    NotificationRecord,
    ProcessRecord,
    RoleRecord,
    SchoolRecord,
    TaskPage,
    TaskRecord,
    TimerRecord,
    UserRecord,
)
from engine.run_cache import RunCache
from engine.specs import SpecCache
from engine.task_queries import TaskFilter


@dataclass
class FiringReport:
    """What one `fire_due_timers` call did."""

    fired: int = 0
    failed: int = 0
    conflicts: int = 0


class EngineService:
    """The facade over deployments, instances, tasks and identity."""

    def __init__(
        self,
        database_url: str | None = None,
        *,
        db_engine: Engine | None = None,
        clock=None,
        script_time_limit: float = 2.0,
    ):
        self.db_engine = db_engine or make_db_engine(database_url)
        self.clock = clock or SystemClock()
        self._sessions = make_session_factory(self.db_engine)
        self._specs = SpecCache()
        self._runs = RunCache()
        self._actors = ActorCache()
        # SQLite has one writer at a time, and a second one waits in SQLite's busy handler,
        # which sleeps in steps of milliseconds. Threads and processes take turns on this
        # lock instead (engine/db/writer_lock.py): the next starts the moment the last commits.
        self._writer = writer_lock(self.db_engine)
        file = sqlite_file(self.db_engine) if self.db_engine.dialect.name == "sqlite" else None
        self._idle = IdleConnections(self.db_engine) if file else None
        self._script_engine = make_script_engine(clock=self.clock.now, time_limit=script_time_limit)

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _unit_of_work(self):
        with self._writer:
            yield from self._transaction()

    def _transaction(self):
        unit = UnitOfWork(
            self.db_engine, self._sessions, before_commit=(audit.write_pending,), idle=self._idle
        )
        ctx = Context(
            unit,
            self.clock,
            self._specs,
            self._script_engine,
            runs=self._runs,
            actors=self._actors,
        )
        try:
            yield ctx
            unit.commit()
        except StaleDataError:
            raise ConflictError(
                "someone else changed this at the same time; reload and try again"
            ) from None
        except OperationalError as error:
            if "locked" in str(error).lower() or "could not serialize" in str(error).lower():
                raise ConflictError(
                    "the database is busy with a concurrent change; try again"
                ) from None
            raise
        except IntegrityError as error:
            raise ConflictError(f"a concurrent change collided: {error.orig}") from None
        finally:
            unit.close()  # after a failure: rolls back
        for callback in ctx.after_commit:
            callback()

    def _run(self, work: Callable[[Context], object]):
        with self._unit_of_work() as ctx:
            return work(ctx)

    def _read(self, work: Callable[[Context], object]):
        """A unit of work that only reads: it skips the writer lock (SQLite in WAL mode
        reads beside a writer), so a login's password check or an inbox page never holds
        up a completion."""
        with contextmanager(self._transaction)() as ctx:
            return work(ctx)

    @property
    def _postgres(self) -> bool:
        """PostgreSQL takes rows with SKIP LOCKED so several schedulers can share work."""
        return self.db_engine.dialect.name == "postgresql"

    def upgrade_database(self) -> None:
        """Create or migrate the schema (`sroflow db upgrade`)."""
        upgrade_database(self.db_engine)

    # -- identity ---------------------------------------------------------------------------

    def add_school(self, school_id: str, name: str) -> SchoolRecord:
        return self._run(lambda ctx: identity.add_school(ctx.session, school_id, name))

    def list_schools(self) -> list[SchoolRecord]:
        return self._read(lambda ctx: identity.list_schools(ctx.session))

    def list_roles(self) -> list[RoleRecord]:
        return self._read(lambda ctx: identity.list_roles(ctx.session))

    def add_user(
        self, username: str, *, roles, schools=(), password=None, display_name=None, email=None
    ) -> UserRecord:
        return self._run(
            lambda ctx: identity.add_user(
                ctx.session,
                username,
                roles=list(roles),
                schools=list(schools),
                password=password,
                display_name=display_name,
                email=email,
                clock=self.clock,
            )
        )

    def update_user(self, username: str, **changes) -> UserRecord:
        return self._run(lambda ctx: identity.update_user(ctx.session, username, **changes))

    def get_user(self, username: str) -> UserRecord:
        return self._read(lambda ctx: identity.get_user(ctx.session, username))

    def list_users(self) -> list[UserRecord]:
        return self._read(lambda ctx: identity.list_users(ctx.session))

    def set_password(self, username: str, password: str) -> None:
        self._run(lambda ctx: identity.set_password(ctx.session, username, password))

    def check_password(self, username: str, password: str) -> UserRecord | None:
        return self._read(lambda ctx: identity.check_password(ctx.session, username, password))

    def login_failures(self, key: str, *, since: datetime) -> tuple[int, datetime | None]:
        """Failed sign-ins recorded for `key` after `since`: how many, and the oldest."""
        return self._read(lambda ctx: login_failures.failures_since(ctx.session, key, since))

    def record_login_failure(self, key: str, *, forget_before: datetime) -> None:
        """Count a failed sign-in for `key` now; failures up to `forget_before` go."""
        self._run(
            lambda ctx: login_failures.record_failure(ctx.session, key, ctx.now(), forget_before)
        )

    def clear_login_failures(self, key: str) -> None:
        self._run(lambda ctx: login_failures.clear_failures(ctx.session, key))

    def issue_api_token(self, username: str) -> str:
        return self._run(lambda ctx: identity.issue_api_token(ctx.session, username))

    def user_for_token(self, token: str) -> UserRecord | None:
        return self._read(lambda ctx: identity.user_for_token(ctx.session, token))

    # -- deployments ------------------------------------------------------------------------

    def deploy_files(self, paths: list[str], *, deployed_by: str | None = None) -> DeploymentResult:
        """Deploy .bpmn/.dmn files and folders; DeploymentError names every problem."""
        return self.deploy_sources(deployment.read_source_files(paths), deployed_by=deployed_by)

    def deploy_sources(self, sources, *, deployed_by: str | None = None) -> DeploymentResult:
        """Deploy (file name, XML text) pairs, e.g. from the browser modeler."""
        files = [s if isinstance(s, SourceFile) else SourceFile(*s) for s in sources]

        def work(ctx: Context):
            result, new_versions = deployment.deploy(
                ctx.session,
                files,
                deployed_by=deployed_by,
                role_lookup=ctx.role_lookup,
                now=ctx.now(),
            )
            for version, start_timers in new_versions:
                timers.schedule_start_timers(ctx, version, start_timers, ctx.now())
            audit.record(
                ctx.session,
                "deployed",
                at=ctx.now(),
                username=deployed_by,
                details={"files": [f.name for f in files], **result.to_dict()},
            )
            return result

        return self._run(work)

    def list_processes(self) -> list[ProcessRecord]:
        return self._read(lambda ctx: deployment.list_processes(ctx.session))

    def get_process(self, process_id: str) -> ProcessRecord:
        """The latest version of a process, with its start form."""
        return self._read(
            lambda ctx: deployment.process_record(
                deployment.latest_version(ctx.session, process_id)
            )
        )

    def list_startable_processes(self, username: str) -> list[ProcessRecord]:
        def work(ctx: Context):
            actor = ctx.actor(username)
            return [
                deployment.process_record(v)
                for v in deployment.latest_versions(ctx.session).values()
                if instances.may_start(actor, v)
            ]

        return sorted(self._read(work), key=lambda p: p.process_id)

    # -- instances --------------------------------------------------------------------------

    def start_instance(
        self, process_id: str, *, username: str, data: dict | None = None
    ) -> InstanceRecord:
        """Start the latest version; the result may be `error` if a script failed."""

        def work(ctx: Context):
            actor = ctx.actor(username)
            instance = instances.start_instance(ctx, actor, process_id, dict(data or {}))
            return self._describe(ctx, instance)

        return self._run(work)

    def get_instance(self, instance_id: int, *, username: str | None = None) -> InstanceRecord:
        """One instance with open tasks and history; `username` applies school scoping."""

        def work(ctx: Context):
            return self._describe(ctx, instances.visible_instance(ctx, instance_id, username))

        return self._read(work)

    def get_instance_diagram(
        self, instance_id: int, *, username: str | None = None
    ) -> InstanceDiagram:
        """The BPMN XML of the instance's version with completed and waiting elements."""

        def work(ctx: Context):
            return instances.diagram(ctx, instances.visible_instance(ctx, instance_id, username))

        return self._read(work)

    def get_process_xml(self, process_id: str, version: int | None = None) -> str:
        """The BPMN XML of a process version (latest by default)."""
        return self._read(lambda ctx: deployment.process_xml(ctx.session, process_id, version))

    def list_instances(
        self,
        *,
        username: str | None = None,
        state: str | None = None,
        process_id: str | None = None,
        business_key: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[InstanceRecord]:
        """Instances newest first, those the user may see (`username=None`: all);
        `business_key` (an officer_id or candidate_id) gathers one officer's history across
        processes. `limit` and `offset` page through them."""

        def work(ctx: Context):
            query = _listed_instances(ctx, username, state, process_id, business_key)
            rows = list(ctx.session.scalars(query.limit(limit).offset(offset)))
            open_tasks = tasks.open_tasks_by_instance(ctx.session, [r.id for r in rows])
            return [
                instances.describe_instance(ctx, r, open_tasks.get(r.id, ()), history=())
                for r in rows
            ]

        return self._read(work)

    def count_instances(
        self,
        *,
        username: str | None = None,
        state: str | None = None,
        process_id: str | None = None,
        business_key: str | None = None,
    ) -> int:
        """How many instances `list_instances` pages through."""

        def work(ctx: Context):
            query = _listed_instances(ctx, username, state, process_id, business_key)
            return ctx.session.scalar(select(func.count()).select_from(query.subquery()))

        return self._read(work)

    def cancel_instance(
        self, instance_id: int, *, username: str, reason: str | None = None
    ) -> InstanceRecord:
        def work(ctx: Context):
            actor = ctx.actor(username)
            instances.cancel_instance(ctx, actor, instance_id, reason)
            return self._describe(ctx, instances.get_instance_row(ctx, instance_id))

        return self._run(work)

    def _describe(self, ctx: Context, instance) -> InstanceRecord:
        open_tasks = tasks.open_tasks_by_instance(ctx.session, [instance.id])
        return instances.describe_instance(ctx, instance, open_tasks.get(instance.id, ()))

    # -- timers and notifications ----------------------------------------------------------

    def fire_due_timers(self, *, limit: int | None = None) -> FiringReport:
        """Fire every timer due by the engine clock's now, one transaction per timer.

        Safe to run in several processes against PostgreSQL (rows are taken with
        SKIP LOCKED). A failing timer puts its instance in `error` and is retried later.
        """
        postgres = self._postgres
        report = FiringReport()
        skip: set[int] = set()
        while limit is None or report.fired + report.failed < limit:
            claimed: dict = {}
            try:
                with self._unit_of_work() as ctx:
                    timer = timers.claim_due_timer(ctx, ctx.now(), skip, postgres=postgres)
                    if timer is None:
                        break
                    claimed.update(id=timer.id, instance_id=timer.instance_id)
                    fired = firing.fire_timer(ctx, timer, postgres=postgres)
                if fired:
                    report.fired += 1
                else:
                    skip.add(claimed["id"])
            except RunFailure as failure:
                report.failed += 1
                skip.add(claimed["id"])
                self._record_timer_failure(claimed["id"], claimed["instance_id"], failure)
            except ConflictError:
                skip.add(claimed["id"])
                report.conflicts += 1
        return report

    def _record_timer_failure(self, timer_id: int, instance_id, failure: RunFailure) -> None:
        def work(ctx: Context):
            timers.record_failure(ctx, timer_id, instance_id, failure.message, failure.element_id)

        self._run(work)

    def scan_due_tasks(self, *, soon_hours: int = 48) -> int:
        """Queue 'due soon' and 'overdue' notifications (each at most once per person)."""

        def work(ctx: Context):
            now = ctx.now()
            soon = now + timedelta(hours=soon_hours)
            return notifications.scan_overdue(ctx.session, now, soon=soon)

        return self._run(work)

    def deliver_notifications(self) -> int:
        """Send queued notifications (SMTP when configured, else the log), each once."""
        postgres = self._postgres
        return self._run(
            lambda ctx: notifications.deliver_pending(ctx.session, ctx.now(), postgres=postgres)
        )

    def list_notifications(
        self, *, username: str, unread_only: bool = False, limit: int = 50
    ) -> list[NotificationRecord]:
        def work(ctx: Context):
            rows = notifications.list_for_user(
                ctx.session, username, unread_only=unread_only, limit=limit
            )
            return [notifications.to_record(r) for r in rows]

        return self._read(work)

    def mark_notification_read(self, notification_id: int, *, username: str) -> None:
        self._run(
            lambda ctx: notifications.mark_read(ctx.session, username, notification_id, ctx.now())
        )

    def list_failed_timers(self) -> list[TimerRecord]:
        """Timers that gave up after their retries, for administrators."""
        return self._read(lambda ctx: timers.list_timers(ctx.session, state="failed"))

    def list_timers(self, *, instance_id: int | None = None) -> list[TimerRecord]:
        return self._read(lambda ctx: timers.list_timers(ctx.session, instance_id=instance_id))

    # -- tasks ------------------------------------------------------------------------------

    def list_tasks(self, *, username: str, view: str = "all", **filters) -> list[TaskRecord]:
        """Ready tasks the user may work: `mine`, `queue`, `all` (both) or `completed`."""

        def work(ctx: Context):
            actor = ctx.actor(username)
            return task_queries.list_tasks(ctx.session, actor, TaskFilter(view=view, **filters))

        return self._read(work)

    def count_tasks(self, *, username: str, view: str = "all", **filters) -> int:
        def work(ctx: Context):
            actor = ctx.actor(username)
            return task_queries.count_tasks(ctx.session, actor, TaskFilter(view=view, **filters))

        return self._read(work)

    def task_page(self, *, username: str, view: str = "all", **filters) -> TaskPage:
        """One page of `list_tasks` and its `count_tasks` total, from one pass over the
        matching tasks (what an inbox page shows). `order` is due (default), waiting or
        newest; `limit`, `offset` and the filters are those of `list_tasks`."""

        def work(ctx: Context):
            actor = ctx.actor(username)
            return task_queries.task_page(ctx.session, actor, TaskFilter(view=view, **filters))

        return self._read(work)

    def get_task(self, task_id: str, *, username: str | None) -> TaskRecord:
        """The task with its form fields and the instance data the user may see;
        `username=None` is the operator's view (CLI), with no scoping."""

        def work(ctx: Context):
            actor = ctx.actor(username) if username else None
            return tasks.describe_task(ctx, actor, task_id)

        return self._read(work)

    def users_who_may_work(self, task_id: str) -> list[UserRecord]:
        """Active users who may work the task: its candidates by role (in its school, for a
        school-scoped role), by name, or its assignee. Whom a task can be reassigned to."""
        return self._read(lambda ctx: tasks.users_who_may_work(ctx.session, task_id))

    def claim_task(self, task_id: str, *, username: str) -> TaskRecord:
        return self._task_op(task_id, username, tasks.claim)

    def unclaim_task(self, task_id: str, *, username: str) -> TaskRecord:
        return self._task_op(task_id, username, tasks.unclaim)

    def reassign_task(self, task_id: str, *, username: str, to_username: str) -> TaskRecord:
        def work(ctx: Context):
            actor = ctx.actor(username)
            if not actor.has_any_role(*tasks.REASSIGNERS):
                raise PermissionDeniedError("only HR staff or administrators may reassign tasks")
            target = ctx.actor(to_username)
            return tasks.task_record(tasks.reassign(ctx, actor, task_id, target))

        return self._run(work)

    def complete_task(self, task_id: str, *, username: str, data: dict | None = None) -> TaskRecord:
        """Validate the form data and complete the task (claiming it if unclaimed)."""
        values = dict(data or {}) if isinstance(data, dict) or data is None else data
        # The task's own query reads the identity version, so the actor comes after it.
        return self._run(
            lambda ctx: tasks.task_record(tasks.complete(ctx, username, task_id, values))
        )

    def _task_op(self, task_id, username, operation, *args) -> TaskRecord:
        def work(ctx: Context):
            actor = ctx.actor(username)
            return tasks.task_record(operation(ctx, actor, task_id, *args))

        return self._run(work)


def _listed_instances(ctx: Context, username, state, process_id, business_key):
    """The query `list_instances` pages through and `count_instances` counts."""
    actor = ctx.actor(username) if username else None
    return instances.instance_list_query(actor, state, process_id, business_key)
