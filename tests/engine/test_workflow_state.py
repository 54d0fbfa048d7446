"""A long instance keeps its finished tasks out of its row (decision 0010), and loading
the row and its chunks gives back exactly the workflow that was saved."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.bpmn import serializer
from engine.bpmn.runner import WorkflowRun
from engine.bpmn.sandbox import make_script_engine
from engine.db.models import Instance, InstanceTaskChunk, ProcessVersion
from engine.run_cache import RunCache
from engine.workflow_state import apply_state, write_chunks
from tests.engine.samples import DATA, check_in

START = {"school_id": "lincoln_high", "cycles_a": 0}


@pytest.fixture
def loops(people, monkeypatch):
    """The two-loop diagram, finished tasks frozen in batches of 4 (every run is kept)."""
    monkeypatch.setattr(serializer, "FREEZE_BATCH", 4)
    people.deploy_files([str(DATA / "check_in_loops.bpmn")])
    return people


def _stored(service, instance_id: int):
    """(the instance row, its chunks) as the database holds them."""
    with service._sessions() as session:
        row = session.get(Instance, instance_id)
        chunks = session.scalars(
            select(InstanceTaskChunk)
            .where(InstanceTaskChunk.instance_id == instance_id)
            .order_by(InstanceTaskChunk.seq)
        ).all()
        spec_json = session.get(ProcessVersion, row.process_version_id).spec_json
        session.expunge_all()
    return row, chunks, spec_json


def _reloaded(service, instance_id: int) -> WorkflowRun:
    row, chunks, spec_json = _stored(service, instance_id)
    texts = [chunk.tasks_json for chunk in chunks]
    return WorkflowRun.load(row.workflow_state, spec_json, make_script_engine(), chunks=texts)


def _kept(service, instance_id: int) -> WorkflowRun:
    return service._runs._entries[instance_id][1]


def test_finished_tasks_leave_the_row_and_the_row_stops_growing(loops):
    instance = loops.start_instance("check_in_loops", username="hana", data=START)
    sizes = []
    for cycle in range(24):
        check_in(loops, instance.id, "ab"[cycle % 2])
        sizes.append(len(_stored(loops, instance.id)[0].workflow_state))
    row, chunks, _ = _stored(loops, instance.id)
    assert len(chunks) > 3
    assert [chunk.seq for chunk in chunks] == sorted({chunk.seq for chunk in chunks})
    assert sum(chunk.task_count for chunk in chunks) == row.frozen_tasks
    assert row.frozen_tasks > 40
    assert max(sizes[12:]) < 1.5 * max(sizes[:12])  # the history went to the chunks


def test_a_reload_from_row_and_chunks_equals_the_workflow_kept_in_memory(loops):
    instance = loops.start_instance("check_in_loops", username="hana", data=START)
    for cycle in range(20):
        check_in(loops, instance.id, "ab"[cycle % 2])
        kept, reloaded = _kept(loops, instance.id), _reloaded(loops, instance.id)
        assert reloaded.frozen_tasks == kept.frozen_tasks
        assert serializer.workflow_to_json(reloaded.workflow) == serializer.workflow_to_json(
            kept.workflow
        )
    assert _stored(loops, instance.id)[0].frozen_tasks > 0


def _play_to_the_end(service) -> dict:
    instance = service.start_instance("check_in_loops", username="hana", data=START)
    for cycle in range(16):
        check_in(service, instance.id, "ab"[cycle % 2])
    check_in(service, instance.id, "b", again=False)
    check_in(service, instance.id, "a", again=False)  # the join keeps the last branch's data
    done = service.get_instance(instance.id)
    return {"state": done.state, "data": done.data}


def test_a_long_instance_ends_the_same_whether_kept_or_reloaded_each_step(loops):
    kept = _play_to_the_end(loops)
    loops._runs = RunCache(size=0)  # every step now loads its row and chunks
    reloaded = _play_to_the_end(loops)
    assert kept == reloaded
    assert kept["state"] == "completed"
    assert kept["data"]["cycles_a"] == 9


def test_a_changed_frozen_task_brings_the_whole_history_back_into_the_row(loops):
    """SpiffWorkflow can reset a finished task (to send work back): its chunk is then
    void, so the save rewrites the row with every task and the chunks go."""
    instance = loops.start_instance("check_in_loops", username="hana", data=START)
    for cycle in range(16):
        check_in(loops, instance.id, "ab"[cycle % 2])
    run = _reloaded(loops, instance.id)
    assert run.frozen_tasks > 0
    first_check = next(
        task for task in run.workflow.tasks.values() if task.task_spec.bpmn_id == "check_a"
    )
    run.workflow.reset_from_task_id(first_check.id)
    saved = run.save()
    assert saved.rewritten and saved.frozen_tasks == 0 and saved.new_chunk is None

    with loops._sessions() as session:
        row = session.get(Instance, instance.id)
        apply_state(row, saved)
        session.flush()
        write_chunks(session, instance.id, saved)
        session.commit()
    row, chunks, _ = _stored(loops, instance.id)
    assert (chunks, row.frozen_tasks) == ([], 0)
    reloaded = _reloaded(loops, instance.id)
    assert serializer.workflow_to_json(reloaded.workflow) == serializer.workflow_to_json(
        run.workflow
    )
    assert sorted(t.element_id for t in reloaded.ready_user_tasks()) == ["check_a", "check_b"]


def test_chunks_that_do_not_add_up_are_refused_by_name(loops):
    instance = loops.start_instance("check_in_loops", username="hana", data=START)
    for cycle in range(12):
        check_in(loops, instance.id, "ab"[cycle % 2])
    with loops._sessions() as session:
        session.get(Instance, instance.id).frozen_tasks += 1
        session.commit()
    loops._runs = RunCache(size=0)
    with pytest.raises(Exception, match=f"instance {instance.id}: its stored task chunks hold"):
        check_in(loops, instance.id, "a")


def test_freezing_changes_no_step_outcome(loops, monkeypatch):
    """The same check-ins, with and without frozen tasks: the same data and open tasks
    after every step. Loop b waits while loop a runs, so the process data merges what a
    frozen task (b's last gateway) and the live tasks left."""
    frozen = loops.start_instance("check_in_loops", username="hana", data=START).id
    plain = loops.start_instance("check_in_loops", username="hana", data=START).id
    outcomes = {frozen: [], plain: []}
    for branch in "b" + "a" * 15 + "b" + "a" * 3:
        for instance_id, batch in ((frozen, 4), (plain, 10**9)):
            monkeypatch.setattr(serializer, "FREEZE_BATCH", batch)
            check_in(loops, instance_id, branch)
            record = loops.get_instance(instance_id)
            outcomes[instance_id].append(
                (record.data, sorted(task.element_id for task in record.open_tasks))
            )
    assert outcomes[frozen] == outcomes[plain]
    assert _stored(loops, frozen)[0].frozen_tasks > 0
    assert _stored(loops, plain)[0].frozen_tasks == 0


def test_a_reset_of_a_frozen_task_whose_children_are_live_rewrites_the_row(loops):
    """No frozen task leaves the dict here (the reset task's only child is still live):
    the reset itself says the chunks are void."""
    instance = loops.start_instance("check_in_loops", username="hana", data=START)
    for cycle in range(16):
        check_in(loops, instance.id, "ab"[cycle % 2])
    run = _reloaded(loops, instance.id)
    frozen = list(run.workflow.tasks.values())[: run.frozen_tasks]
    parent = next(
        task
        for task in reversed(frozen)
        if task.children and all(child not in frozen for child in task.children)
    )
    run.workflow.reset_from_task_id(parent.id)
    saved = run.save()
    assert saved.rewritten and saved.frozen_tasks == 0


def test_unfreezing_to_edit_a_finished_task_voids_the_stored_chunks(loops):
    instance = loops.start_instance("check_in_loops", username="hana", data=START)
    for cycle in range(16):
        check_in(loops, instance.id, "ab"[cycle % 2])
    run = _reloaded(loops, instance.id)
    first = next(iter(run.workflow.tasks.values()))
    run.workflow.unfreeze()
    first.data["repaired"] = True
    saved = run.save()
    assert saved.rewritten and saved.frozen_tasks == 0
    assert '"repaired": true' in saved.row
    assert not run.save().rewritten  # only once
