"""The benchmark harness still runs: a tiny run writes every figure the docs promise.

Not a timed test: the values are not checked, only that each figure is there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.report import GOALS

ROOT = Path(__file__).resolve().parents[2]


def test_a_tiny_run_writes_every_figure(tmp_path):
    out = tmp_path / "latest.json"
    docs = tmp_path / "performance.md"
    docs.write_text("# Performance\n\nProse stays.\n")
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--tiny", "--out", str(out), "--docs", str(docs)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    document = json.loads(out.read_text())
    assert set(GOALS) <= set(document["figures"])
    assert document["size"] == "tiny"
    assert {"python", "cores", "platform"} <= set(document["machine"])
    table = docs.read_text()
    assert "Prose stays." in table
    assert all(f"`{name}`" in table for name in GOALS)
