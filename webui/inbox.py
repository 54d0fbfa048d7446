"""The task inbox: "My tasks", "Queue" and "Completed by me", with filters, search,
sorting and pages. Claiming and unclaiming are in webui/tasks.py. `/inbox` without a view
opens "My tasks" if the user has any, else the queue.

The engine orders ready tasks by due date (soonest first, none last), then by how long they
have waited, and completed ones by completion time (latest first). "Waiting longest first"
is sorted here, over every matching task, and only while there are at most
SORT_IN_APP_LIMIT of them: beyond that the engine's order is kept and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webui import current

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

VIEWS = {"mine": "My tasks", "queue": "Queue", "completed": "Completed by me"}
SORTS = {"due": "Due date (soonest first)", "waiting": "Waiting longest first"}
SORT_IN_APP_LIMIT = 500


def home():
    """`/`: the inbox for a signed-in user, else the sign-in page."""
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    return redirect(url_for("auth.login"))


@dataclass(frozen=True)
class InboxQuery:
    """The inbox's query string, checked: what the page shows and how its links keep it."""

    view: str = "mine"
    process_id: str = ""
    school_id: str = ""
    overdue: bool = False
    search: str = ""
    sort: str = "due"
    page: int = 1

    @classmethod
    def from_args(cls, args, default_view: str = "mine") -> InboxQuery:
        view = args.get("view") or default_view
        if view not in VIEWS:
            abort(400, description=f"unknown inbox view '{view}'; use one of: {', '.join(VIEWS)}")
        sort = args.get("sort", "due")
        try:
            page = max(1, int(args.get("page", 1)))
        except ValueError:
            page = 1
        return cls(
            view=view,
            process_id=args.get("process", "").strip(),
            school_id=args.get("school", "").strip(),
            overdue=args.get("overdue") in ("1", "true", "on"),
            search=args.get("q", "").strip()[:100],
            sort=sort if sort in SORTS else "due",
            page=page,
        )

    def engine_filters(self) -> dict:
        return {
            "process_id": self.process_id or None,
            "school_id": self.school_id or None,
            "overdue_at": current.now() if self.overdue else None,
            "search": self.search or None,
        }

    def args(self, **changes) -> dict:
        """Query-string arguments for a link to this page with `changes` applied."""
        values = {
            "view": self.view,
            "process": self.process_id,
            "school": self.school_id,
            "overdue": "1" if self.overdue else "",
            "q": self.search,
            "sort": self.sort,
            "page": self.page,
            **changes,
        }
        return {k: v for k, v in values.items() if v not in ("", None, 1) or k == "view"}


def _fetch(query: InboxQuery, page_size: int) -> tuple[list, int, str | None]:
    """The page of tasks, the total, and a note when the asked-for sort could not apply."""
    service, username = current.service(), current.username()
    filters = query.engine_filters()
    total = service.count_tasks(username=username, view=query.view, **filters)
    offset = (query.page - 1) * page_size
    if query.sort == "waiting" and query.view != "completed":
        if total <= SORT_IN_APP_LIMIT:
            every = service.list_tasks(
                username=username, view=query.view, limit=max(total, 1), offset=0, **filters
            )
            every.sort(key=lambda task: (task.created_at, task.id))
            return every[offset : offset + page_size], total, None
        note = (
            f"More than {SORT_IN_APP_LIMIT} tasks match, too many to sort by waiting time: "
            "shown by due date. Narrow the filters to sort by waiting time."
        )
    else:
        note = None
    tasks = service.list_tasks(
        username=username, view=query.view, limit=page_size, offset=offset, **filters
    )
    return tasks, total, note


def _default_view() -> str:
    """My tasks when the user has claimed or been given some, else the queue: a new
    user's first page shows the work waiting for them, not an empty list."""
    mine = current.service().count_tasks(username=current.username(), view="mine")
    return "mine" if mine else "queue"


@bp.get("")
@login_required
def index():
    default = "mine" if request.args.get("view") else _default_view()
    query = InboxQuery.from_args(request.args, default_view=default)
    page_size = current_app.config["PAGE_SIZE"]
    tasks, total, sort_note = _fetch(query, page_size)
    pages = max(1, -(-total // page_size))
    if query.page > pages:
        return redirect(url_for("inbox.index", **query.args(page=pages)))
    completed = current.service().count_tasks(username=current.username(), view="completed")
    processes = current.service().list_processes()
    return render_template(
        "inbox/index.html",
        query=query,
        tasks=tasks,
        total=total,
        pages=pages,
        page_size=page_size,
        sort_note=sort_note,
        views=VIEWS,
        sorts=SORTS,
        completed_count=completed,
        processes=processes,
        process_names={p.process_id: p.name for p in processes},
        schools=current.visible_schools(),
        school_names=current.school_names(),
    )
