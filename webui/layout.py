"""What every page shares: date and value filters, the task counts in the navigation,
security headers and the favicon."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, g, request, send_from_directory
from flask_login import current_user

from engine import EngineError
from webui import current, forms

# Pages load only our own files: no CDN, no inline scripts. bpmn-js sets inline styles on
# SVG elements and its watermark, hence 'unsafe-inline' for styles only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def format_when(value: datetime | None) -> str:
    """A moment in the app's time zone, e.g. '2026-09-01 08:00'."""
    if value is None:
        return "—"
    return value.astimezone(_zone()).strftime("%Y-%m-%d %H:%M")


def format_day(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(_zone()).strftime("%Y-%m-%d")


def format_ago(value: datetime | None) -> str:
    """How long ago, in words ('3 days', 'less than a minute'), measured by the engine clock."""
    if value is None:
        return "—"
    seconds = max(0, int((current.now() - value).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "less than a minute"


def humanize(name: str) -> str:
    """A variable name as a label: 'years_experience' → 'Years experience'."""
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def format_value(value) -> str:
    """A process variable for people: Yes/No for booleans, '—' for nothing."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict) or (
        isinstance(value, list | tuple) and any(isinstance(v, dict | list) for v in value)
    ):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, list | tuple):
        return ", ".join(format_value(v) for v in value) or "—"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def is_overdue(due_at: datetime | None) -> bool:
    return due_at is not None and due_at < current.now()


def nav_counts() -> dict[str, int]:
    """Ready tasks in "My tasks" and "Queue", once per request, for the navigation."""
    if "nav_counts" not in g:
        counts = {}
        try:
            for view in ("mine", "queue"):
                counts[view] = current.service().count_tasks(username=current.username(), view=view)
        except EngineError:
            counts = {}
        g.nav_counts = counts
    return g.nav_counts


def page_number(args) -> int:
    """The `page` query argument: 1 when missing or not a positive number."""
    try:
        return max(1, int(args.get("page", 1)))
    except ValueError:
        return 1


def page_count(total: int, page_size: int) -> int:
    """How many pages `total` items fill (an empty list is one page)."""
    return max(1, -(-total // page_size))


def page_args(args: dict, page: int) -> dict:
    """A list's query-string arguments for one of its pages (the first needs none)."""
    return {**args, "page": page} if page > 1 else {k: v for k, v in args.items() if k != "page"}


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
)


def _security_headers(response):
    """Add each security header a view has not set itself (one pass over the headers,
    where `setdefault` would scan them once per header: this runs on every request)."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    missing = [(name, value) for name, value in SECURITY_HEADERS if name.lower() not in present]
    headers.extend(missing)
    if request.endpoint not in ("static", "favicon") and current_user.is_authenticated:
        # Personnel records: keep signed-in pages out of shared caches and the back button.
        headers.setdefault("Cache-Control", "no-store")
    return response


def favicon():
    return send_from_directory(current_app.static_folder, "favicon.ico", max_age=86400)


def init_app(app) -> None:
    app.add_template_filter(format_when, "when")
    app.add_template_filter(format_day, "day")
    app.add_template_filter(format_ago, "ago")
    app.add_template_filter(humanize, "humanize")
    app.add_template_filter(format_value, "value")
    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_global(forms.field_hint)
    app.add_template_global(forms.is_checked)
    app.add_template_global(is_overdue)
    app.add_template_global(nav_counts)
    app.add_template_global(page_args)
    app.add_template_global(current.has_role, "has_role")
    app.add_template_global(current.visible_schools, "visible_schools")
    app.add_template_global(current.school_names, "all_school_names")
    app.after_request(_security_headers)
    app.add_url_rule("/favicon.ico", "favicon", favicon)
