"""Each known SpiffWorkflow 3.2.0 trap, shown to be handled: these fail without our code."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine.bpmn.runner import SAFE_TREE_DEPTH

DATA = Path(__file__).parents[1] / "data" / "engine" / "traps"


@pytest.fixture
def traps(people):
    people.deploy_files([str(DATA)])
    return people


def test_camunda_assignee_due_date_and_candidates_are_kept(traps, clock):
    """CamundaParser drops assignee/candidateGroups/candidateUsers/dueDate; ours keeps them."""
    instance = traps.start_instance(
        "assigned_review",
        username="hana",
        data={"supervisor_username": "sam", "profile": {"rank": "officer"}},
    )
    (signoff,) = instance.open_tasks
    assert signoff.assignee == "sam"  # the variable named by camunda:assignee
    assert signoff.candidate_roles == ()  # no lane role on top of the named assignee
    assert signoff.due_at == clock.now() + timedelta(days=7)
    assert [t.id for t in traps.list_tasks(username="sam", view="mine")] == [signoff.id]
    assert [n.kind for n in traps.list_notifications(username="sam")] == ["assigned"]

    traps.complete_task(signoff.id, username="sam", data={"note": "ok"})
    (filing,) = traps.get_instance(instance.id).open_tasks
    assert filing.candidate_roles == ("hr", "admin")
    assert filing.candidate_users == ("ada",)
    assert traps.list_tasks(username="ada")[0].id == filing.id
    assert traps.list_tasks(username="root")[0].id == filing.id


def test_history_keeps_values_as_they_were_when_recorded(traps):
    """3.2.0 shares nested data between tasks: a later script's change must not rewrite
    what an earlier step recorded."""
    instance = traps.start_instance(
        "assigned_review",
        username="hana",
        data={"supervisor_username": "sam", "profile": {"rank": "officer"}},
    )
    traps.complete_task(instance.open_tasks[0].id, username="sam", data={"note": "ok"})
    after = traps.get_instance(instance.id)
    assert after.data["profile"] == {"rank": "sergeant"}
    started = after.history[0]
    assert started.details["data"]["profile"] == {"rank": "officer"}
    completed = next(e for e in after.history if e.type == "completed")
    assert completed.details["changed"]["profile"] == [{"rank": "officer"}, {"rank": "sergeant"}]


def test_a_short_loop_runs_to_completion(traps):
    instance = traps.start_instance(
        "counting_loop", username="hana", data={"counter": 0, "target": 100}
    )
    assert (instance.state, instance.data["counter"]) == ("completed", 100)


def test_a_loop_past_the_iterator_depth_is_an_error_not_a_false_completion(traps):
    """SpiffWorkflow's iterators stop at depth 1000 and then report the workflow complete."""
    instance = traps.start_instance(
        "counting_loop", username="hana", data={"counter": 0, "target": 2000}
    )
    assert instance.state == "error"
    assert "repeated a loop too often" in instance.error_message
    assert SAFE_TREE_DEPTH < 1000


def test_a_reloaded_workflow_runs_scripts_in_the_sandbox(traps):
    """Deserializing brings back SpiffWorkflow's unsandboxed engine; we replace it."""
    from engine.bpmn.runner import WorkflowRun
    from engine.bpmn.sandbox import SandboxedEnvironment, make_script_engine
    from engine.db.models import Instance, ProcessVersion

    instance = traps.start_instance(
        "assigned_review",
        username="hana",
        data={"supervisor_username": "sam", "profile": {"rank": "officer"}},
    )
    with traps._sessions() as session:
        row = session.get(Instance, instance.id)
        spec_json = session.get(ProcessVersion, row.process_version_id).spec_json
    run = WorkflowRun.load(row.workflow_state, spec_json, make_script_engine())
    assert isinstance(run.workflow.script_engine.environment, SandboxedEnvironment)


def test_a_multi_instance_that_rewrites_its_spec_does_not_leak_into_other_instances(traps):
    """Camunda's loopCardinality naming a list rewrites the task spec at run time; the
    engine shares a version's spec objects between instances only when nothing does."""
    first = traps.start_instance("reviewer_rounds", username="hana", data={"reviewers": [1, 2]})
    second = traps.start_instance("reviewer_rounds", username="hana", data={"reviewers": [1, 2, 3]})
    assert len(first.open_tasks) == 2
    assert len(second.open_tasks) == 3
    for task in first.open_tasks:
        traps.complete_task(task.id, username="hana", data={})
    assert traps.get_instance(first.id).state == "completed"
    third = traps.start_instance("reviewer_rounds", username="hana", data={"reviewers": [7]})
    assert len(third.open_tasks) == 1
    for task in [*second.open_tasks, *third.open_tasks]:
        traps.complete_task(task.id, username="hana", data={})
    assert {traps.get_instance(i.id).state for i in (second, third)} == {"completed"}
