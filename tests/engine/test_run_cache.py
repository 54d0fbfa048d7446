"""Workflows kept in memory between steps behave exactly like reloaded ones."""

from __future__ import annotations

import pytest

from engine import ConflictError, run_cache
from engine.run_cache import RunCache
from tests.engine.samples import CANDIDATE, DATA


@pytest.fixture
def keep_every_workflow(monkeypatch):
    """Small test workflows are normally reloaded, not kept: keep them here."""
    monkeypatch.setattr(run_cache, "MIN_TASKS_TO_KEEP", 0)


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


def test_a_kept_workflow_ends_where_a_reloaded_one_does(people, keep_every_workflow):
    kept = _run_review(people)
    assert len(people._runs._entries) == 1

    people._runs = RunCache(size=0)  # now every step reloads its workflow
    people.add_school("third_school", "Third School")
    reloaded = _run_review(people)
    assert reloaded == kept
    assert kept[1] == "completed"


def test_a_kept_workflow_is_dropped_when_its_row_changed(people, keep_every_workflow):
    people.deploy_files([str(DATA / "candidate_review.bpmn")])
    instance = people.start_instance(
        "candidate_review", username="hana", data={"school_id": "lincoln_high"}
    )
    (version, _run, _tasks) = people._runs._entries[instance.id]
    people.cancel_instance(instance.id, username="hana")  # another write: a new row version
    assert people._runs.take(instance.id, version) is None
    with pytest.raises(ConflictError):
        people.complete_task(instance.open_tasks[0].id, username="hana", data=CANDIDATE)
