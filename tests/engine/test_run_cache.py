"""Workflows kept in memory between steps behave exactly like reloaded ones."""

from __future__ import annotations

import pytest

from engine import ConflictError
from engine.run_cache import RunCache
from tests.engine.samples import CANDIDATE, DATA


def _run_review(service) -> tuple[dict, str]:
    service.deploy_files([str(DATA / "candidate_review.bpmn")])
    instance = service.start_instance(
        "candidate_review", username="hana", data={"school_id": "lincoln_high"}
    )
    service.complete_task(instance.open_tasks[0].id, username="hana", data=CANDIDATE)
    interview = service.get_instance(instance.id).open_tasks[0]
    service.complete_task(interview.id, username="lina", data={"recommendation": "recommend"})
    done = service.get_instance(instance.id)
    return done.data, done.state


def test_a_kept_workflow_ends_where_a_reloaded_one_does(people):
    kept = _run_review(people)
    assert len(people._runs._entries) == 1

    people._runs = RunCache(size=0)  # now every step reloads its workflow
    people.add_school("third_school", "Third School")
    reloaded = _run_review(people)
    assert reloaded == kept
    assert kept[1] == "completed"


def test_a_kept_workflow_is_dropped_when_its_row_changed(people):
    people.deploy_files([str(DATA / "candidate_review.bpmn")])
    instance = people.start_instance(
        "candidate_review", username="hana", data={"school_id": "lincoln_high"}
    )
    (version, _run, _tasks) = people._runs._entries[instance.id]
    people.cancel_instance(instance.id, username="hana")  # another write: a new row version
    assert people._runs.take(instance.id, version) is None
    with pytest.raises(ConflictError):
        people.complete_task(instance.open_tasks[0].id, username="hana", data=CANDIDATE)


class _Run:
    """Stands in for a WorkflowRun: the cache only asks how many tasks it holds."""

    def __init__(self, tasks: int):
        self.tasks = tasks

    def task_count(self) -> int:
        return self.tasks


def test_the_cache_is_bounded_by_the_tasks_it_holds():
    cache = RunCache(size=10, max_tasks=100)
    for instance_id in range(4):
        cache.put(instance_id, 1, _Run(30))
    assert cache.take(0, 1) is None  # the oldest went to keep 100 tasks or fewer
    assert cache.take(1, 1) is not None
    cache.put(9, 1, _Run(101))  # bigger than the whole bound: never kept
    assert cache.take(9, 1) is None


def test_a_discarded_workflow_is_read_from_its_row_again():
    cache = RunCache(size=10)
    cache.put(1, 3, _Run(5))
    cache.put(2, 3, _Run(5))
    cache.discard(1)
    assert cache.take(1, 3) is None
    assert cache.take(2, 3) is not None
