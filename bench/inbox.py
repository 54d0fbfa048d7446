"""`inbox_p95_ms_100k` (SQLite) and `inbox_p95_ms_100k_postgres`: one inbox page (25 rows
and the total, one `task_page` call, as the web app asks for them) with 100,000 open tasks
and 1,000,000 completed task rows, bulk-inserted with SQLAlchemy core."""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from bench.harness import (
    DIAGRAMS,
    Progress,
    new_service,
    percentile,
    postgres_available,
    postgres_url,
    say,
    sqlite_url,
    summary_ms,
    timed,
)
from engine.db.models import Instance, Task, TaskCandidate

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SCHOOLS = ["lincoln_high", "roosevelt_middle", *[f"school_{n:02d}" for n in range(18)]]
PROCESSES = ["sro_selection", "sro_probation", "sro_evaluation", "sro_training", "mou_review"]
ROLES = ["hr", "school_admin", "school_admin", "supervisor", "agency_head", "sro"]
PEOPLE = ["hana", "sam", "lina", "ada", "otto", *[f"user_{n:02d}" for n in range(45)]]
SURNAMES = ["Smith", "Garcia", "Nguyen", "Johnson", "Okafor", "Kowalski", "Haddad", "Lee"]
CHUNK = 10_000
AFTER_FILL = {"sqlite": "ANALYZE", "postgresql": "VACUUM ANALYZE"}
BUDGET_S = 90  # stop measuring after this long (each query is still measured)
# Since migration 0003 candidate rows carry the school and exist only for ready tasks; the
# fill writes what the engine under test writes.
CANDIDATE_SCHOOLS = "school_id" in TaskCandidate.__table__.c

# (label, username, task_page arguments): what people open their inbox with. The figure
# is the p95 of the school-scoped users' pages (the brief: school scoping + a filter); the
# agency-wide users' pages and the "waiting longest first" order are reported beside it.
SCOPED_QUERIES = [
    ("school admin, all, process filter", "lina", {"view": "all", "process_id": "sro_selection"}),
    ("school admin, queue, search", "lina", {"view": "queue", "search": "smith"}),
    ("SRO, mine, overdue", "otto", {"view": "mine", "overdue_at": NOW}),
]
AGENCY_QUERIES = [
    ("HR, all, school filter", "hana", {"view": "all", "school_id": "lincoln_high"}),
    ("supervisor, all, overdue", "sam", {"view": "all", "overdue_at": NOW}),
    ("HR, completed", "hana", {"view": "completed"}),
]
ORDER_QUERIES = [
    ("school admin, queue, waiting longest", "lina", {"view": "queue", "order": "waiting"}),
]
QUERIES = SCOPED_QUERIES + AGENCY_QUERIES + ORDER_QUERIES


def _task_rows(rng: random.Random, count: int, instances: int, *, open_: bool):
    for _ in range(count):
        task_id = str(uuid.uuid4())
        role = rng.choice(ROLES)
        school = rng.choice(SCHOOLS)
        created = NOW - timedelta(minutes=rng.randrange(1, 500_000))
        assignee = rng.choice(PEOPLE) if rng.random() < 0.1 else None
        row = {
            "id": task_id,
            "instance_id": rng.randrange(1, instances + 1),
            "process_id": rng.choice(PROCESSES),
            "element_id": "review",
            "name": "Review",
            "lane": None,
            "candidate_roles": [role],
            "candidate_users": [],
            "assignee": assignee,
            "school_id": school,
            "subject": f"{rng.choice(SURNAMES)} {rng.randrange(1000)}",
            "state": "ready" if open_ else "completed",
            "created_at": created,
            "due_at": created + timedelta(days=14) if rng.random() < 0.5 else None,
            "completed_at": None if open_ else created + timedelta(days=1),
            "completed_by": None if open_ else (assignee or rng.choice(PEOPLE)),
            "row_version": 1,
        }
        candidates = [{"task_id": task_id, "role_key": role, "username": None}]
        if assignee:
            candidates.append({"task_id": task_id, "role_key": None, "username": assignee})
        if CANDIDATE_SCHOOLS:  # what the engine writes since migration 0003
            candidates = [{**c, "school_id": school} for c in candidates] if open_ else []
        yield row, candidates


def fill(db_engine, open_tasks: int, done_tasks: int, label: str) -> None:
    """Bulk-insert instances, task rows and candidate rows."""
    rng = random.Random(20260302)
    instances = max(1, (open_tasks + done_tasks) // 10)
    bar = Progress(f"inbox: filling {label}", instances + open_tasks + done_tasks)
    with db_engine.begin() as conn:
        for first in range(1, instances + 1, CHUNK):
            rows = [
                {
                    "id": n,
                    "process_version_id": 1,  # bench_review, deployed first
                    "process_id": rng.choice(PROCESSES),
                    "state": "running",
                    "school_id": rng.choice(SCHOOLS),
                    "subject": None,
                    "data": {},
                    "workflow_state": "{}",
                    "started_at": NOW,
                    "updated_at": NOW,
                    "row_version": 1,
                }
                for n in range(first, min(instances, first + CHUNK - 1) + 1)
            ]
            conn.execute(insert(Instance.__table__), rows)
            bar.advance(len(rows))
        for count, open_ in ((open_tasks, True), (done_tasks, False)):
            batch, candidates = [], []
            for row, more in _task_rows(rng, count, instances, open_=open_):
                batch.append(row)
                candidates += more
                if len(batch) == CHUNK:
                    conn.execute(insert(Task.__table__), batch)
                    if candidates:
                        conn.execute(insert(TaskCandidate.__table__), candidates)
                    bar.advance(len(batch))
                    batch, candidates = [], []
            if batch:
                conn.execute(insert(Task.__table__), batch)
                if candidates:
                    conn.execute(insert(TaskCandidate.__table__), candidates)
                bar.advance(len(batch))
    bar.close()
    if db_engine.dialect.name == "postgresql":
        # What autovacuum does on a production server soon after a bulk load (pgbench
        # vacuums after its fill too); the server here runs with autovacuum off, and
        # without it every index-only scan reads table pages to check visibility.
        with db_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(AFTER_FILL["postgresql"]))
    else:
        with db_engine.begin() as conn:
            conn.execute(text(AFTER_FILL["sqlite"]))


def measure(service, size) -> tuple[dict, dict]:
    """Time one page with its total for each query, round robin, within a time budget."""
    for _, username, arguments in QUERIES:  # warm caches and check the query works
        service.task_page(username=username, limit=25, **arguments)
    per_query: dict[str, list[float]] = {label: [] for label, _, _ in QUERIES}
    bar = Progress("inbox: queries", size.inbox_queries * len(QUERIES))
    deadline = time.monotonic() + BUDGET_S
    for _ in range(size.inbox_queries):
        for label, username, arguments in QUERIES:
            seconds, _ = timed(service.task_page, username=username, limit=25, **arguments)
            per_query[label].append(seconds)
            bar.advance()
        if time.monotonic() > deadline:
            break
    bar.close()
    details = {label: summary_ms(times) for label, times in per_query.items()}
    groups = {
        "scoped": [t for label, _, _ in SCOPED_QUERIES for t in per_query[label]],
        "agency": [t for label, _, _ in AGENCY_QUERIES for t in per_query[label]],
        "order": [t for label, _, _ in ORDER_QUERIES for t in per_query[label]],
    }
    return groups, details


def _run(url: str, size, label: str) -> tuple[float, dict]:
    service = new_service(url)
    service.add_user("otto", roles=["sro"], schools=["lincoln_high"])
    service.deploy_files([str(DIAGRAMS / "bench_review.bpmn")])
    fill(service.db_engine, size.open_tasks, size.done_tasks, label)
    groups, details = measure(service, size)
    service.db_engine.dispose()
    return round(percentile(groups["scoped"], 0.95) * 1000, 2), {
        "after_fill": AFTER_FILL[service.db_engine.dialect.name],
        "agency_wide_p95_ms": round(percentile(groups["agency"], 0.95) * 1000, 2),
        "waiting_order_p95_ms": round(percentile(groups["order"], 0.95) * 1000, 2),
        "queries": details,
    }


def inbox_latency(scratch, size) -> tuple[dict, dict]:
    figures, details = {}, {}
    shape = {"open_tasks": size.open_tasks, "completed_tasks": size.done_tasks}
    with sqlite_url(scratch, "inbox") as url:
        figures["inbox_p95_ms_100k"], more = _run(url, size, "SQLite")
        details["inbox_p95_ms_100k"] = {**shape, **more}
    if postgres_available():
        with postgres_url("inbox") as url:
            figures["inbox_p95_ms_100k_postgres"], more = _run(url, size, "PostgreSQL")
            details["inbox_p95_ms_100k_postgres"] = {**shape, **more}
    else:
        say("  PostgreSQL is not reachable: skipping its inbox figure")
        figures["inbox_p95_ms_100k_postgres"] = None
    return figures, details
