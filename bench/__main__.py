"""`python -m bench [--quick|--tiny] [--only NAME ...]`: run the benchmarks, write
bench/results/latest.json and the table in docs/performance.md (see bench/README.md)."""

from __future__ import annotations

import argparse
import importlib
import shlex
import sys
import tempfile
import time
from pathlib import Path

from bench import harness, report
from bench.harness import SIZES, say

PHASES = ("step", "history", "starts", "inbox", "timers", "http")


PHASE_FUNCTIONS = {
    "step": ("bench.step", "step_ratio"),
    "history": ("bench.step", "history_ratio"),
    "starts": ("bench.starts", "start_rate"),
    "inbox": ("bench.inbox", "inbox_latency"),
    "timers": ("bench.timers", "timer_firing"),
    "http": ("bench.web", "http_load"),
}


def _phase(name: str):
    module, function = PHASE_FUNCTIONS[name]
    return getattr(importlib.import_module(module), function)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true", help="a smaller run, under a minute")
    group.add_argument("--tiny", action="store_true", help="only check that the harness works")
    parser.add_argument("--only", nargs="+", choices=PHASES, help="run only these phases")
    parser.add_argument("--out", type=Path, default=harness.ROOT / "bench/results/latest.json")
    parser.add_argument("--docs", type=Path, help="write the results table into this file")
    args = parser.parse_args(argv)
    size = SIZES["tiny" if args.tiny else "quick" if args.quick else "full"]
    command = "python -m bench " + shlex.join(argv if argv is not None else sys.argv[1:])
    figures, details = {}, {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sroflow-bench-") as scratch:
        for name in args.only or PHASES:
            say(f"[{name}]")
            phase_started = time.monotonic()
            found, more = _phase(name)(Path(scratch), size)
            figures.update(found)
            details.update(more)
            say(f"  {found}  ({time.monotonic() - phase_started:.1f}s)")
    details["total_seconds"] = round(time.monotonic() - started, 1)
    document = harness.write_results(args.out, size, figures, details, command.strip())
    if args.docs:
        report.write_table(args.docs, document)
    say(report.text_table(document))
    return 0


if __name__ == "__main__":
    sys.exit(main())
