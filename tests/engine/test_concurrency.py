"""Two people complete the same task at the same moment: exactly one wins."""

from __future__ import annotations

import threading

from engine import ConflictError, EngineService
from engine.bpmn.runner import WorkflowRun
from tests.engine.samples import CANDIDATE, DATA


def test_two_concurrent_completions_have_exactly_one_winner(
    people, database_url, clock, monkeypatch
):
    people.deploy_files([str(DATA / "candidate_review.bpmn")])
    people.add_user("hugo", roles=["hr"])
    instance = people.start_instance("candidate_review", username="hana", data={})
    task_id = instance.open_tasks[0].id

    # Both requests must have read the instance before either writes: hold them at a
    # barrier inside the completion, after loading and before saving. SQLite writers take
    # turns on a lock instead (engine/db/writer_lock.py): the second one starts only after
    # the first has committed, so there is nothing to hold there.
    if not database_url.startswith("sqlite"):
        barrier = threading.Barrier(2, timeout=20)
        original = WorkflowRun.complete_user_task

        def complete_after_both_loaded(self, *args, **kwargs):
            barrier.wait()
            return original(self, *args, **kwargs)

        monkeypatch.setattr(WorkflowRun, "complete_user_task", complete_after_both_loaded)

    outcomes: dict[str, object] = {}

    def complete(username: str) -> None:
        service = EngineService(database_url, clock=clock)  # its own connection pool
        try:
            outcomes[username] = service.complete_task(task_id, username=username, data=CANDIDATE)
        except ConflictError as error:
            outcomes[username] = error
        finally:
            service.db_engine.dispose()

    threads = [threading.Thread(target=complete, args=(name,)) for name in ("hana", "hugo")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    winners = [u for u, r in outcomes.items() if not isinstance(r, Exception)]
    losers = [u for u, r in outcomes.items() if isinstance(r, ConflictError)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    after = people.get_instance(instance.id)
    completions = [e for e in after.history if e.type == "completed"]
    assert [e.user for e in completions] == winners
    assert len(after.open_tasks) == 1  # the interview, created once
    assert people.list_tasks(username=winners[0], view="completed")[0].completed_by == winners[0]
