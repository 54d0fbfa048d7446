"""The readable form of a results document: a table printed after a run and kept in
docs/performance.md between two marker comments (the rest of that page is prose)."""

from __future__ import annotations

import re
from pathlib import Path

BEGIN = "<!-- bench:latest:begin -->"
END = "<!-- bench:latest:end -->"

# name -> (what it is, goal as text, goal check)
GOALS = {
    "step_ratio_vs_memory": (
        "one completion, service with SQLite / in memory (mou_review: 17 nodes, 5 user tasks)",
        "<= 3",
        3,
        "le",
    ),
    "step_ratio_small_diagram": (
        "the same on a 7-node diagram (bench_review), where persistence weighs most",
        "",
        None,
        "",
    ),
    "history_ratio_1000": ("completion with 1,000 tasks of history / fresh", "<= 2", 2, "le"),
    "http_completions_per_s": ("HTTP completions per second, SQLite", ">= 300", 300, "ge"),
    "http_p99_ms": ("HTTP completion p99 latency (ms), SQLite", "<= 50", 50, "le"),
    "http_completions_per_s_postgres": ("HTTP completions per second, PostgreSQL", "", None, ""),
    "http_p99_ms_postgres": ("HTTP completion p99 latency (ms), PostgreSQL", "", None, ""),
    "inbox_p95_ms_100k": ("inbox page + total p95 (ms), SQLite", "<= 20", 20, "le"),
    "inbox_p95_ms_100k_postgres": ("inbox page + total p95 (ms), PostgreSQL", "<= 20", 20, "le"),
    "timers_10k_s": ("10,000 due timers, 2 schedulers, PostgreSQL (s)", "<= 30", 30, "le"),
    "timers_double_fired": ("timers fired twice", "0", 0, "le"),
    "timers_missed": ("timers not fired", "0", 0, "le"),
    "start_per_s": ("instances started per second (service, SQLite)", "", None, ""),
}


def _verdict(name: str, value) -> str:
    _, _, goal, how = GOALS.get(name, ("", "", None, ""))
    if goal is None or value is None:
        return ""
    met = value <= goal if how == "le" else value >= goal
    return "met" if met else "**not met**"


def rows(document: dict) -> list[tuple[str, str, str, str, str]]:
    figures = document["figures"]
    names = [n for n in GOALS if n in figures] + [n for n in figures if n not in GOALS]
    result = []
    for name in names:
        what, goal_text, _, _ = GOALS.get(name, (name, "", None, ""))
        value = figures[name]
        result.append((f"`{name}`", what, str(value), goal_text, _verdict(name, value)))
    return result


def markdown(document: dict) -> str:
    m = document["machine"]
    lines = [
        f"Measured {document['date']} on {m['cores']} cores, {m['platform']}, Python "
        f"{m['python']}, `{document['size']}` size, with `{document['command']}` "
        f"({document['details'].get('total_seconds', '?')} s).",
        "",
        "| figure | what | value | goal | |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows(document)]
    return "\n".join(lines)


def text_table(document: dict) -> str:
    width = max((len(r[0]) for r in rows(document)), default=10)
    lines = [f"{'figure':<{width}}  {'value':>10}  goal"]
    for name, _, value, goal, verdict in rows(document):
        lines.append(f"{name:<{width}}  {value:>10}  {goal} {verdict.strip('*')}")
    return "\n".join(lines)


def write_table(path: Path, document: dict) -> None:
    """Replace the table between the markers (or append one) in `path`."""
    block = f"{BEGIN}\n{markdown(document)}\n{END}"
    text = path.read_text() if path.exists() else "# Performance\n\n"
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)
