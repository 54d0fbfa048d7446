"""SQLAlchemy 2 typed models: the engine's durable state.

The `tasks` table is a projection of the serialized instance, rewritten in the same
transaction as `instances.state`, so the inbox never has to deserialize a workflow.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime(timezone=True), dict: JSON, list: JSON}


class Role(Base):
    __tablename__ = "roles"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    school_scoped: Mapped[bool] = mapped_column(Boolean, default=False)


class School(Base):
    __tablename__ = "schools"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    api_token_hash: Mapped[str | None] = mapped_column(String(128), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]

    roles: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    schools: Mapped[list[UserSchool]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role_key: Mapped[str] = mapped_column(ForeignKey("roles.key"), primary_key=True)


class UserSchool(Base):
    __tablename__ = "user_schools"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id"), primary_key=True)


class IdentityVersion(Base):
    """One row whose `version` goes up whenever a user, their roles or schools, or a role
    changes (database triggers, migration 0010): a server may keep whom a username
    stands for until this number moves, whichever process or host changed it."""

    __tablename__ = "identity_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)


class Deployment(Base):
    __tablename__ = "deployments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deployed_at: Mapped[datetime]
    deployed_by: Mapped[str | None] = mapped_column(String(80))
    file_names: Mapped[list] = mapped_column(JSON, default=list)


class DefinitionFile(Base):
    """A BPMN or DMN file's XML, stored once per distinct content."""

    __tablename__ = "definition_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8))
    content: Mapped[str] = mapped_column(Text)


class ProcessVersion(Base):
    """One version of one process id: its file bundle (the process file, called processes,
    decision tables) and the spec JSON every instance of it shares."""

    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("process_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_id: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    bundle_hash: Mapped[str] = mapped_column(String(64))
    file_ids: Mapped[list] = mapped_column(JSON)
    spec_json: Mapped[str] = mapped_column(Text)
    starter_roles: Mapped[list] = mapped_column(JSON, default=list)
    # The start event's camunda:formData, in SpiffWorkflow's Form dict shape (or None).
    start_form: Mapped[dict | None] = mapped_column(JSON)
    # Names of the messages its start events catch (another process can start it).
    start_messages: Mapped[list | None] = mapped_column(JSON)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"))
    deployed_at: Mapped[datetime]


class DecisionVersion(Base):
    """One version of a DMN decision, so later deployments can resolve `decisionRef`."""

    __tablename__ = "decision_versions"
    __table_args__ = (UniqueConstraint("decision_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[int] = mapped_column(Integer)
    file_id: Mapped[int] = mapped_column(ForeignKey("definition_files.id"))
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"))


class Instance(Base):
    __tablename__ = "instances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    process_id: Mapped[str] = mapped_column(String(120), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    school_id: Mapped[str | None] = mapped_column(String(64), index=True)
    subject: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    workflow_state: Mapped[str] = mapped_column(Text)
    error_message: Mapped[str | None] = mapped_column(Text)
    error_element_id: Mapped[str | None] = mapped_column(String(120))
    started_by: Mapped[str | None] = mapped_column(String(80))
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    business_key: Mapped[str | None] = mapped_column(String(120), index=True)
    # How many tasks of `workflow_state` live in instance_task_chunks (decision 0010).
    frozen_tasks: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": row_version}


class InstanceTaskChunk(Base):
    """Finished tasks of an instance's workflow, moved out of `instances.workflow_state`
    in append-only batches (decision 0010): a finished task never changes, so a step
    rewrites only the tasks still moving, not the whole history. Loading an instance
    joins the chunks, in `seq` order, in front of the tasks in its row."""

    __tablename__ = "instance_task_chunks"

    instance_id: Mapped[int] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_count: Mapped[int] = mapped_column(Integer, nullable=False)
    tasks_json: Mapped[str] = mapped_column(Text, nullable=False)


INBOX_COLUMNS = (
    "id",
    "state",
    "assignee",
    "process_id",
    "school_id",
    "due_at",
    "created_at",
    "subject",
)

SCHOOL_INBOX_COLUMNS = (
    "school_id",
    "process_id",
    "assignee",
    "due_at",
    "created_at",
    "subject",
    "id",
)


class Task(Base):
    """One user task that is (or was) ready: the inbox's source of truth."""

    __tablename__ = "tasks"
    __table_args__ = (
        # A user's claimed tasks, and the due-date scan's ready tasks. Each index below holds
        # only rows its queries can match, so a step writes fewer pages (decision 0012).
        # This one only on SQLite: PostgreSQL drops `state = 'ready'` from the lookup when
        # the index's WHERE implies it, and would read the whole index to find an assignee.
        Index(
            "ix_tasks_state_assignee",
            "state",
            "assignee",
            sqlite_where=text("state = 'ready'"),
        ),
        # "Completed by me": the page in index order, the count from the index alone.
        Index(
            "ix_tasks_completed_by",
            "completed_by",
            "state",
            "completed_at",
            sqlite_where=text("completed_by IS NOT NULL"),
            postgresql_where=text("completed_by IS NOT NULL"),
        ),
        # Everything the inbox filters and sorts on, so it never reads rows it drops; only
        # ready tasks, so each candidate's lookup is in an index a tenth the size.
        Index(
            "ix_tasks_inbox_ready",
            *INBOX_COLUMNS,
            sqlite_where=text("state = 'ready'"),
            postgresql_where=text("state = 'ready'"),
        ),
        # A school's ready tasks as one range, with the same columns: a school-scoped
        # user's inbox reads it instead of probing the index above once per candidate.
        Index(
            "ix_tasks_school_ready",
            *SCHOOL_INBOX_COLUMNS,
            sqlite_where=text("state = 'ready'"),
            postgresql_where=text("state = 'ready'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(120))
    element_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(120))
    candidate_roles: Mapped[list] = mapped_column(JSON, default=list)
    candidate_users: Mapped[list] = mapped_column(JSON, default=list)
    assignee: Mapped[str | None] = mapped_column(String(80))
    school_id: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(80))
    # The variables the task saw when it became ready (its own branch and sub-process).
    data: Mapped[dict | None] = mapped_column(JSON)
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)

    # Loaded only when used: the inbox and each step read task rows, not their candidates.
    candidates: Mapped[list[TaskCandidate]] = relationship(cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": row_version}


class TaskCandidate(Base):
    """Who may claim a ready task: a role key or a username, with the task's school.

    The inbox query starts here, so rows exist only while their task is ready, and the
    school is copied from the task: a school administrator's inbox is one index range.
    """

    __tablename__ = "task_candidates"
    __table_args__ = (
        # With the task id: a user's candidate tasks are read from the index alone. A row
        # names a role or a user, so each index holds only the rows of its kind.
        Index(
            "ix_task_candidates_role_school",
            "role_key",
            "school_id",
            "task_id",
            sqlite_where=text("role_key IS NOT NULL"),
            postgresql_where=text("role_key IS NOT NULL"),
        ),
        Index(
            "ix_task_candidates_user",
            "username",
            "task_id",
            sqlite_where=text("username IS NOT NULL"),
            postgresql_where=text("username IS NOT NULL"),
        ),
        Index("ix_task_candidates_task", "task_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    role_key: Mapped[str | None] = mapped_column(String(40))
    username: Mapped[str | None] = mapped_column(String(80))
    school_id: Mapped[str | None] = mapped_column(String(64))


class AuditEvent(Base):
    """Append-only history: who did what to which instance or task, and when."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]  # not indexed: history is read by instance (migration 0009)
    type: Mapped[str] = mapped_column(String(32))
    username: Mapped[str | None] = mapped_column(String(80))
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    process_id: Mapped[str | None] = mapped_column(String(120))
    element_id: Mapped[str | None] = mapped_column(String(120))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class Timer(Base):
    """A waiting timer: an instance's timer event, or a process's timer start event.

    Instance timers are a projection of the serialized workflow (rewritten with it); the
    scheduler only queries this table. A row is gone only when the step that fired it
    commits, so a scheduler that dies mid-way loses nothing.
    """

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "state", "due_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "instance" or "start"
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("instances.id", ondelete="CASCADE"), index=True
    )
    process_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_versions.id"))
    process_id: Mapped[str] = mapped_column(String(120))
    element_id: Mapped[str] = mapped_column(String(120))
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting / failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # For start timers: the remaining cycles (-1 = forever) and the ISO 8601 interval.
    cycles_left: Mapped[int | None] = mapped_column(Integer)
    interval: Mapped[str | None] = mapped_column(String(64))


class Notification(Base):
    """The outbox: messages for users (assigned, due soon, overdue, escalated), each
    delivered once by the scheduler and listed in the web app."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user", "username", "created_at"),
        Index("ix_notifications_undelivered", "delivered_at"),
        UniqueConstraint("dedupe_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    task_id: Mapped[str | None] = mapped_column(String(36))
    instance_id: Mapped[int | None] = mapped_column(Integer)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]


class LoginFailure(Base):
    """One failed sign-in, kept while it counts towards throttling (engine/login_failures.py):
    in the database so that every server process and host counts the same failures."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_key", "key", "failed_at"),
        Index("ix_login_failures_failed_at", "failed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    failed_at: Mapped[datetime]
