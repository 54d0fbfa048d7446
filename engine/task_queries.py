"""The inbox's queries: which tasks a user may see, filtered, sorted and paged.

They read only the task and candidate tables (projections of the instances); changing a
task is engine/tasks.py's job.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, func, or_, select, union, union_all
from sqlalchemy.orm import defer

from engine.db.models import Task, TaskCandidate
from engine.errors import InvalidStateError
from engine.identity import Actor, InvalidInputError
from engine.records import TaskPage, TaskRecord
from engine.tasks import task_record


def _at_schools(actor: Actor) -> bool:
    """Whether the user has school-scoped roles at some school: their candidate rows at
    those schools are found through the school's open tasks (see `_ready_matches`)."""
    return bool(actor.scoped_roles and actor.schools)


def _school_candidate_ids(actor: Actor, school_id: str | None) -> Select:
    """Ids of ready tasks this user may claim through a school-scoped role at one of their
    schools (a candidate row carries its task's school)."""
    candidates = select(TaskCandidate.task_id).where(
        TaskCandidate.role_key.in_(sorted(actor.scoped_roles)),
        TaskCandidate.school_id.in_(sorted(actor.schools)),
    )
    if school_id:
        candidates = candidates.where(TaskCandidate.school_id == school_id)
    return candidates


def _candidate_ids(actor: Actor, school_id: str | None) -> Select:
    """Ids of ready tasks this user may claim through a role or by name (candidate rows
    exist only for ready tasks), except those `_school_candidate_ids` finds; `school_id`
    (a filter) narrows them in the index."""
    role_match = [TaskCandidate.username == actor.username]
    if actor.agency_roles:
        role_match.append(TaskCandidate.role_key.in_(sorted(actor.agency_roles)))
    if actor.scoped_roles:
        at_school = TaskCandidate.school_id.is_(None)
        if not _at_schools(actor):  # no school of their own: only school-less candidates
            at_school = or_(at_school, TaskCandidate.school_id.in_(sorted(actor.schools)))
        role_match.append(and_(TaskCandidate.role_key.in_(sorted(actor.scoped_roles)), at_school))
    candidates = select(TaskCandidate.task_id).where(or_(*role_match))
    if school_id:
        candidates = candidates.where(TaskCandidate.school_id == school_id)
    return candidates


def eligible(actor: Actor, school_id: str | None = None):
    """SQL condition: the task is one this user may claim by name or through an agency-wide
    role, or has claimed (the rest of what they may see is `_school_candidate_ids`).

    Written as `id IN (candidate rows ∪ own claims)` so the database starts from the few
    candidate rows of this user's roles and schools (an index range) rather than from every
    ready task.
    """
    claimed = select(Task.id).where(Task.assignee == actor.username, Task.state == "ready")
    return Task.id.in_(union_all(_candidate_ids(actor, school_id), claimed))


# How a list may be sorted. "due": ready tasks by due date (soonest first, none last), then
# by waiting time; completed tasks latest completed first. "waiting": longest waiting
# first (created_at ascending). "newest": most recently created first.
ORDERS = ("due", "waiting", "newest")


@dataclass(frozen=True)
class TaskFilter:
    """What a task list shows: `view` is mine / queue / all (mine + queue) / completed;
    `order` is one of ORDERS."""

    view: str = "all"
    process_id: str | None = None
    school_id: str | None = None
    overdue_at: object = None  # a datetime: only tasks due before it
    search: str | None = None
    limit: int = 50
    offset: int = 0
    order: str = "due"

    def __post_init__(self):
        if self.order not in ORDERS:  # checked here so a count refuses it as a list does
            raise InvalidInputError(
                f"unknown task order '{self.order}'; use one of: {', '.join(ORDERS)}"
            )


# What `_matches` selects so a list can be sorted: of ready tasks, only columns the inbox
# indexes hold (so their rows are never read); of completed tasks, those of
# ix_tasks_completed_by.
_KEY_COLUMNS = (Task.id, Task.due_at, Task.created_at)
_COMPLETED_KEY_COLUMNS = (Task.id, Task.completed_at, Task.created_at)


def _filtered(query: Select, filters: TaskFilter) -> Select:
    if filters.process_id:
        query = query.where(Task.process_id == filters.process_id)
    if filters.school_id:
        query = query.where(Task.school_id == filters.school_id)
    if filters.overdue_at is not None:
        query = query.where(Task.due_at.is_not(None), Task.due_at < filters.overdue_at)
    if filters.search:
        query = query.where(func.lower(Task.subject).contains(filters.search.lower()))
    if filters.view == "queue":  # what may be claimed: the user's own claims are not
        query = query.where(Task.assignee.is_(None))
    return query


def _ready_matches(actor: Actor, filters: TaskFilter):
    """The ready tasks of "all" or "queue" this user may see.

    A school administrator may claim ~1,900 of 100,000 open tasks through their role at
    their school; looking each one up in the inbox index was most of a page. Those tasks
    are read instead as one range of `ix_tasks_school_ready` (the school's open tasks,
    narrowed by the filters in the index) and kept if they have such a candidate row;
    the rest (candidates by name or agency-wide role, own claims) are looked up as before.
    """
    others = select(*_KEY_COLUMNS).where(Task.state == "ready", eligible(actor, filters.school_id))
    if not _at_schools(actor):
        return _filtered(others, filters)
    at_schools = select(*_KEY_COLUMNS).where(
        Task.state == "ready",
        Task.school_id.in_(sorted(actor.schools)),
        Task.id.in_(_school_candidate_ids(actor, filters.school_id)),
    )
    return union(_filtered(at_schools, filters), _filtered(others, filters))


def _matches(actor: Actor, filters: TaskFilter):
    """The tasks of `filters.view` this user may see, with the filters applied (unsorted):
    the columns `sort_keys` needs."""
    if filters.view == "completed":
        query = select(*_COMPLETED_KEY_COLUMNS).where(
            Task.state == "completed", Task.completed_by == actor.username
        )
    elif filters.view == "mine":  # a task claimed by the user is one they may see
        query = select(*_KEY_COLUMNS).where(Task.state == "ready", Task.assignee == actor.username)
    elif filters.view in ("all", "queue"):
        return _ready_matches(actor, filters)
    else:
        raise InvalidStateError(f"unknown task view '{filters.view}'")
    return _filtered(query, filters)


def sort_keys(filters: TaskFilter, columns=Task.__table__.c) -> tuple:
    """The ORDER BY of a task list over `columns` (the task table's or a subquery's with
    the same names); the id last, so that pages never overlap."""
    if filters.order == "waiting":
        return (columns.created_at, columns.id)
    if filters.order == "newest":
        return (columns.created_at.desc(), columns.id)
    if filters.view == "completed":
        return (columns.completed_at.desc(), columns.id)
    return (columns.due_at.is_(None), columns.due_at, columns.created_at, columns.id)


def _page_ids(actor: Actor, filters: TaskFilter, *extra) -> Select:
    """The ids of one page (with `extra` columns over the matches), sorted from the columns
    the inbox indexes hold: the database never reads the full rows it filters out."""
    matches = _matches(actor, filters).subquery("matches")
    query = select(matches.c.id, *extra).order_by(*sort_keys(filters, matches.c))
    return query.limit(filters.limit).offset(filters.offset)


# A list shows no task's data (its snapshot of the process variables, often the largest
# column): it is left unread.
_NO_DATA = defer(Task.data)


def list_tasks(session, actor: Actor, filters: TaskFilter) -> list[TaskRecord]:
    """One page of tasks, without the total (`task_page` gives both)."""
    ids = list(session.scalars(_page_ids(actor, filters)))
    query = select(Task).where(Task.id.in_(ids)).options(_NO_DATA)
    rows = {row.id: row for row in session.scalars(query)}
    return [task_record(rows[task_id]) for task_id in ids]


def count_tasks(session, actor: Actor, filters: TaskFilter) -> int:
    """How many tasks match, whatever the page."""
    matches = _matches(actor, filters).subquery("matches")
    return session.scalar(select(func.count()).select_from(matches))


def _stops_early(filters: TaskFilter) -> bool:
    """Completed tasks in their natural order come straight from ix_tasks_completed_by:
    the page reads `limit` index entries and the count reads the index alone, so two
    queries beat one that must fetch and sort every completed task to count it."""
    return filters.view == "completed" and filters.order == "due"


def task_page(session, actor: Actor, filters: TaskFilter) -> TaskPage:
    """One page and the number of matching tasks, in one pass over them.

    Ready tasks are found from the user's candidate rows and sorted after filtering, so
    listing a page already visits every match: a window count over that same pass gives
    the total for free, and the page's full rows are joined in the same statement.
    """
    if _stops_early(filters):
        return TaskPage(
            tuple(list_tasks(session, actor, filters)), count_tasks(session, actor, filters)
        )
    page = _page_ids(actor, filters, func.count().over().label("total")).subquery("page")
    query = select(Task, page.c.total).join(page, Task.id == page.c.id).options(_NO_DATA)
    found = session.execute(query.order_by(*sort_keys(filters))).all()
    if found:
        total = found[0].total
    elif filters.offset == 0 and filters.limit > 0:
        total = 0  # nothing matches at all
    else:  # past the end: the window saw no row to carry the total
        total = count_tasks(session, actor, filters)
    return TaskPage(tuple(task_record(row) for row, _ in found), total)
