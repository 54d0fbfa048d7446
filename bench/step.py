"""`step_ratio_vs_memory` (and `step_ratio_small_diagram`) and `history_ratio_1000`: what
persistence and a long history add to one user-task completion, each measured side by side
in one run on one diagram."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import text

from bench.harness import DIAGRAMS, ROOT, new_service, progress, sqlite_url, summary_ms, timed
from engine.bpmn import serializer
from engine.bpmn.sandbox import make_script_engine

START_DATA = {"school_id": "lincoln_high", "subject": "Benchmark candidate"}
REVIEW = {"candidate_name": "Jordan Example", "score": 7, "rating": "good", "notes": "fine"}
WARMUP = 5


@dataclass(frozen=True)
class StepCase:
    """One diagram and the user task whose completion is measured on it."""

    label: str
    source: Path  # what is deployed (a file or a process folder)
    process_id: str
    start_data: dict
    element_id: str  # the user task completed
    values: dict  # its form values


# The goal was set for a process of about 15 nodes and 5 user tasks, whose step takes
# ~0.4 ms in memory (docs/performance.md). One of our own processes has that shape:
# mou_review, 17 nodes and 5 user tasks. Its first user task opens a parallel split, so
# the step readies two tasks (two task rows and their candidate rows).
REFERENCE = StepCase(
    "workflows/mou_review (17 nodes, 5 user tasks): prepare_mou -> parallel split -> 2 tasks",
    ROOT / "workflows" / "mou_review",
    "mou_review",
    {"mou_reference": "MOU 2026 agreement", "review_year": 2026},
    "prepare_mou",
    {"mou_reference": "MOU 2026 agreement", "mou_document": "shared drive", "changes_proposed": ""},
)
# The smallest useful diagram: the fixed cost of persistence shows most here.
SMALL = StepCase(
    "bench/diagrams/bench_review.bpmn (7 nodes, 3 user tasks): review -> gateway -> next task",
    DIAGRAMS / "bench_review.bpmn",
    "bench_review",
    START_DATA,
    "review",
    REVIEW,
)


def _spec_json(service, process_id: str) -> str:
    with service.db_engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT spec_json FROM process_versions WHERE process_id = :p"
                " ORDER BY version DESC LIMIT 1"
            ),
            {"p": process_id},
        ).scalar_one()


def _first_task(service, instance_id: int, element_id: str) -> str:
    record = service.get_instance(instance_id)
    return next(t.id for t in record.open_tasks if t.element_id == element_id)


class MemoryWorkflow:
    """A workflow already loaded in memory, driven with plain SpiffWorkflow calls and the
    engine's sandboxed script engine (so only persistence differs from the service)."""

    def __init__(self, spec_json: str, script_engine, start_data: dict):
        spec, subprocess_specs = serializer.specs_from_json(spec_json)
        self.workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
        self.workflow.task_tree.set_data(**start_data)
        self.workflow.do_engine_steps()
        # A message start event waits for its message: deliver the start data as the
        # engine does (engine/bpmn/runner.py, fire_start_event), as `start_message`.
        for task in self.workflow.get_tasks(state=TaskState.WAITING):
            definition = task.task_spec.event_definition
            if not isinstance(definition, MessageEventDefinition):
                raise ValueError(f"the step benchmark cannot start {task.task_spec.bpmn_id}")
            payload = {"payload": dict(start_data), "result_var": "start_message"}
            task.internal_data[definition.name] = payload
            task._set_internal_data(event_fired=True)
            task.task_spec._update(task)
        self.workflow.do_engine_steps()

    def ready_id(self, element_id: str) -> uuid.UUID:
        return next(
            t.id
            for t in self.workflow.get_tasks(state=TaskState.READY, manual=True)
            if t.task_spec.bpmn_id == element_id
        )

    def complete(self, task_id: uuid.UUID, values: dict) -> None:
        task = self.workflow.get_task_from_id(task_id)
        task.set_data(**values)
        task.run()
        self.workflow.do_engine_steps()


def step_ratio(scratch, size) -> tuple[dict, dict]:
    """One completion through EngineService (SQLite file, WAL) vs. in memory, on the
    reference diagram (the figure) and on the small one (shown beside it)."""
    reference = _step_on(scratch, size, REFERENCE)
    small = _step_on(scratch, size, SMALL)
    return {
        "step_ratio_vs_memory": reference["ratio"],
        "step_ratio_small_diagram": small["ratio"],
    }, {"step_ratio_vs_memory": reference, "step_ratio_small_diagram": small}


def _step_on(scratch, size, case: StepCase) -> dict:
    """The service side is measured twice: warm (the instance's workflow still in the
    engine's memory since its start, as in a running server) and cold (its kept workflow
    dropped first, so it is read from its row and deserialized). The ratio is warm, the
    like-for-like comparison with an already loaded workflow; cold is in the details.
    """
    with sqlite_url(scratch, f"step-{case.process_id}") as url:
        service = new_service(url)
        service.deploy_files([str(case.source)])
        script_engine = make_script_engine()
        spec_json = _spec_json(service, case.process_id)
        count = size.repeats + WARMUP
        pending = []
        for _ in progress(f"step ({case.process_id}): starting instances", range(count)):
            warm, cold = (
                service.start_instance(case.process_id, username="hana", data=case.start_data)
                for _ in range(2)
            )
            memory = MemoryWorkflow(spec_json, script_engine, case.start_data)
            warm_task, cold_task = (
                _first_task(service, i.id, case.element_id) for i in (warm, cold)
            )
            pending.append((warm_task, cold.id, cold_task, memory))
        durable, cold_times, in_memory = [], [], []
        for index, (task_id, cold_instance, cold_id, memory) in enumerate(
            progress(f"step ({case.process_id}): service vs. memory", pending)
        ):
            seconds, _ = timed(service.complete_task, task_id, username="hana", data=case.values)
            memory_id = memory.ready_id(case.element_id)
            memory_seconds, _ = timed(memory.complete, memory_id, dict(case.values))
            # The benchmark reaches in: this instance's completion reads its row.
            service._runs.discard(cold_instance)
            cold_seconds, _ = timed(
                service.complete_task, cold_id, username="hana", data=case.values
            )
            if index >= WARMUP:
                durable.append(seconds)
                in_memory.append(memory_seconds)
                cold_times.append(cold_seconds)
        service.db_engine.dispose()
    service_stats, memory_stats = summary_ms(durable), summary_ms(in_memory)
    cold_stats = summary_ms(cold_times)
    return {
        "diagram": case.label,
        "ratio": round(service_stats["median_ms"] / memory_stats["median_ms"], 2),
        "synchronous": os.environ.get("SROFLOW_SQLITE_SYNCHRONOUS", "NORMAL"),
        "service": service_stats,
        "service_cold": cold_stats,
        "memory": memory_stats,
        "ratio_p95": round(service_stats["p95_ms"] / memory_stats["p95_ms"], 2),
        "ratio_cold": round(cold_stats["median_ms"] / memory_stats["median_ms"], 2),
    }


def _count_completed(service, instance_id: int) -> tuple[int, int]:
    """(completed SpiffWorkflow tasks, deepest path) of a stored instance."""
    with service.db_engine.connect() as conn:
        state, version_id = conn.execute(
            text("SELECT workflow_state, process_version_id FROM instances WHERE id = :i"),
            {"i": instance_id},
        ).one()
        spec_json = conn.execute(
            text("SELECT spec_json FROM process_versions WHERE id = :v"), {"v": version_id}
        ).scalar_one()
        chunks = conn.execute(
            text("SELECT tasks_json FROM instance_task_chunks WHERE instance_id = :i ORDER BY seq"),
            {"i": instance_id},
        ).scalars()
        workflow = serializer.workflow_from_json(state, spec_json, chunks=list(chunks))
    completed = len(workflow.get_tasks(state=TaskState.COMPLETED))
    deepest, stack = 0, [(workflow.task_tree, 0)]
    while stack:
        task, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in task.children)
    return completed, deepest


def _check_in(service, instance_id: int, branch: str, again: bool = True) -> float:
    task_id = _first_task(service, instance_id, f"check_{branch}")
    values = {f"again_{branch}": again, f"note_{branch}": "ok"}
    seconds, _ = timed(service.complete_task, task_id, username="hana", data=values)
    return seconds


BRANCHES = "abcd"


def history_ratio(scratch, size) -> tuple[dict, dict]:
    """A completion in an instance with ~1,000 completed tasks vs. in a fresh one.

    Four parallel check-in loops (bench_history.bpmn) give the history; every cycle adds a
    user task and a gateway to one branch, so the tree stays ~1/8 as deep as the history.
    Measured completions also add history: we build to `history - measured` and measure
    `measured` completions, so the history during measurement is centred on `history`.
    """
    measured = min(size.repeats, max(4, size.history // 10))
    with sqlite_url(scratch, "history") as url:
        service = new_service(url)
        service.deploy_files([str(DIAGRAMS / "bench_history.bpmn")])
        long = service.start_instance("bench_history", username="hana", data=START_DATA).id
        base, _ = _count_completed(service, long)
        cycles = max(0, (size.history - measured - base) // 2)
        build_times = []
        for index in progress("history: building the long instance", range(cycles)):
            build_times.append(_check_in(service, long, BRANCHES[index % 4]))
        before, _ = _count_completed(service, long)
        fresh_ids = [
            service.start_instance("bench_history", username="hana", data=START_DATA).id
            for _ in range(measured + WARMUP)
        ]
        with_history, fresh = [], []
        for index, fresh_id in enumerate(progress("history: long vs. fresh", fresh_ids)):
            branch = BRANCHES[index % 4]
            fresh_seconds = _check_in(service, fresh_id, branch)
            long_seconds = _check_in(service, long, branch)
            if index >= WARMUP:
                fresh.append(fresh_seconds)
                with_history.append(long_seconds)
        after, depth = _count_completed(service, long)
        state_size = _state_size(service, long)
        service.db_engine.dispose()
    long_stats, fresh_stats = summary_ms(with_history), summary_ms(fresh)
    ratio = long_stats["median_ms"] / fresh_stats["median_ms"]
    return {"history_ratio_1000": round(ratio, 2)}, {
        "history_ratio_1000": {
            "diagram": "bench/diagrams/bench_history.bpmn (4 parallel check-in loops)",
            "completed_tasks_during_measurement": [before, after],
            "tree_depth": depth,
            "workflow_state_bytes": state_size,
            "long": long_stats,
            "fresh": fresh_stats,
            "building": summary_ms(build_times) if build_times else None,
        }
    }


def _state_size(service, instance_id: int) -> dict:
    """Bytes of the instance row's workflow state, and of its chunks of frozen tasks."""
    with service.db_engine.connect() as conn:
        row = conn.execute(
            text("SELECT length(workflow_state) FROM instances WHERE id = :i"), {"i": instance_id}
        ).scalar_one()
        chunks, chunk_bytes = conn.execute(
            text(
                "SELECT count(*), coalesce(sum(length(tasks_json)), 0)"
                " FROM instance_task_chunks WHERE instance_id = :i"
            ),
            {"i": instance_id},
        ).one()
    return {"row": row, "chunks": chunks, "chunk_bytes": chunk_bytes}
