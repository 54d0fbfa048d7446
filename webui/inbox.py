"""The task inbox: "My tasks", "Queue" and "Completed by me", with filters, search,
sorting and pages. Claiming and unclaiming are in webui/tasks.py. `/inbox` without a view
opens "My tasks" if the user has any, else the queue.

The engine sorts (`order`): ready tasks by due date (soonest first, none last) or waiting
longest first; completed ones always latest first. One engine call gives the page and its
total.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webui import current
from webui.layout import page_count, page_number

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

VIEWS = {"mine": "My tasks", "queue": "Queue", "completed": "Completed by me"}
# The inbox's sorts are the engine's orders of the same name.
SORTS = {"due": "Due date (soonest first)", "waiting": "Waiting longest first"}


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
        return cls(
            view=view,
            process_id=args.get("process", "").strip(),
            school_id=args.get("school", "").strip(),
            overdue=args.get("overdue") in ("1", "true", "on"),
            search=args.get("q", "").strip()[:100],
            sort=sort if sort in SORTS else "due",
            page=page_number(args),
        )

    def engine_filters(self) -> dict:
        return {
            "process_id": self.process_id or None,
            "school_id": self.school_id or None,
            "overdue_at": current.now() if self.overdue else None,
            "search": self.search or None,
            # Completed tasks are listed latest first whatever the sort (no sort is shown).
            "order": "due" if self.view == "completed" else self.sort,
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
    found = current.service().task_page(
        username=current.username(),
        view=query.view,
        limit=page_size,
        offset=(query.page - 1) * page_size,
        **query.engine_filters(),
    )
    pages = page_count(found.total, page_size)
    if query.page > pages:
        return redirect(url_for("inbox.index", **query.args(page=pages)))
    completed = current.service().count_tasks(username=current.username(), view="completed")
    processes = current.service().list_processes()
    return render_template(
        "inbox/index.html",
        query=query,
        tasks=found.tasks,
        total=found.total,
        pages=pages,
        page_size=page_size,
        views=VIEWS,
        sorts=SORTS,
        completed_count=completed,
        processes=processes,
        process_names={p.process_id: p.name for p in processes},
        schools=current.visible_schools(),
        school_names=current.school_names(),
    )
