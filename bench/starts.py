"""`start_per_s`: instances started per second through the service (SQLite file).

The SRO selection process when it deploys; until then the engine's candidate_review test
process stands in (the details say which one ran)."""

from __future__ import annotations

import time

from bench.harness import ROOT, new_service, progress, sqlite_url, summary_ms, timed
from engine import EngineError

SELECTION = ROOT / "workflows" / "sro_selection"
STAND_IN = ROOT / "tests" / "data" / "engine" / "candidate_review.bpmn"
SELECTION_DATA = {"school_id": "lincoln_high", "vacancy_reference": "BENCH-1"}


def _deploy(service) -> tuple[str, dict, str]:
    """(process id, start data, what was deployed): sro_selection, else the stand-in."""
    try:
        service.deploy_files([str(SELECTION)])
        return "sro_selection", SELECTION_DATA, "workflows/sro_selection"
    except (EngineError, KeyError) as error:
        service.deploy_files([str(STAND_IN)])
        note = f"stand-in: sro_selection did not deploy ({type(error).__name__}: {error})"
        return "candidate_review", {"school_id": "lincoln_high"}, note


def start_rate(scratch, size) -> tuple[dict, dict]:
    with sqlite_url(scratch, "starts") as url:
        service = new_service(url)
        process_id, data, deployed = _deploy(service)
        for _ in range(3):  # warm the spec cache
            service.start_instance(process_id, username="hana", data=data)
        times = []
        started = time.perf_counter()
        for _ in progress(f"starts: {process_id}", range(size.starts)):
            seconds, record = timed(service.start_instance, process_id, username="hana", data=data)
            assert record.state == "running", record.error_message
            times.append(seconds)
        elapsed = time.perf_counter() - started
        service.db_engine.dispose()
    return {"start_per_s": round(size.starts / elapsed, 1)}, {
        "start_per_s": {"process": process_id, "deployed": deployed, **summary_ms(times)}
    }
