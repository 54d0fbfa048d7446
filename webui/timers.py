"""Timers: the failed ones for administrators (/admin/timers), and an instance's timers on
its page ("Probation ends" due 2027-02-28).

The failed-timers page is a blueprint nested in the admin blueprint, so it sits under
/admin, has the endpoint `admin.timers.index` and inherits the admin-only check.
Timers are the engine's (`list_failed_timers`, `list_timers(instance_id=)`); the instance
page shows them only after `get_instance` has said the user may see the instance.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template

from engine import EngineError
from webui import admin, current
from webui.diagram import element_names

bp = Blueprint("timers", __name__, url_prefix="/timers")


def element_names_of(process_ids) -> dict[str, dict[str, str]]:
    """{process id: {element id: name}} from each process's latest deployed version."""
    names = {}
    for process_id in set(process_ids):
        try:
            names[process_id] = element_names(current.service().get_process_xml(process_id))
        except EngineError:
            names[process_id] = {}
    return names


def for_instance(instance_id: int) -> list:
    """The instance's timers: failed ones first, then by due time."""
    timers = current.service().list_timers(instance_id=instance_id)
    return sorted(timers, key=lambda t: (t.state != "failed", t.due_at))


def format_until(value: datetime | None) -> str:
    """How far ahead, in words ('in 3 days'), by the engine clock; 'now' once it is past."""
    if value is None:
        return "—"
    seconds = int((value - current.now()).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"in {count} {unit}{'s' if count != 1 else ''}"
    return "in less than a minute" if seconds > 0 else "now"


@bp.get("")
def index():
    timers = sorted(current.service().list_failed_timers(), key=lambda t: t.due_at, reverse=True)
    return render_template(
        "admin/timers.html",
        timers=timers,
        names=element_names_of(t.process_id for t in timers),
        process_names=current.process_names(),
    )


bp.add_app_template_filter(format_until, "until")
# Registered once, at import: create_app imports this module before it registers admin.bp.
admin.bp.register_blueprint(bp)
