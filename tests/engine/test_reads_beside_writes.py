"""Reading never holds up writing: a slow read (a password check, an inbox page) runs
beside a completion instead of making it wait."""

from __future__ import annotations

import threading

from engine import identity
from tests.engine.samples import CANDIDATE, DATA


def test_a_completion_goes_through_while_a_login_is_checking_its_password(people, monkeypatch):
    people.deploy_files([str(DATA / "candidate_review.bpmn")])
    task_id = people.start_instance("candidate_review", username="hana", data={}).open_tasks[0].id

    checking, release = threading.Event(), threading.Event()
    real_check = identity.check_password_hash

    def slow_check(password_hash, password):
        checking.set()
        release.wait(timeout=30)  # a password hash takes its time; here, as long as we say
        return real_check(password_hash, password)

    monkeypatch.setattr(identity, "check_password_hash", slow_check)
    login: dict = {}
    thread = threading.Thread(
        target=lambda: login.update(user=people.check_password("hana", "hr-password"))
    )
    thread.start()
    try:
        assert checking.wait(timeout=10)
        done = threading.Event()
        worker = threading.Thread(
            target=lambda: (
                people.complete_task(task_id, username="hana", data=CANDIDATE),
                done.set(),
            )
        )
        worker.start()
        assert done.wait(timeout=10), "the completion waited for the password check"
        worker.join()
    finally:
        release.set()
        thread.join(timeout=30)
    assert login["user"].username == "hana"
    assert people.get_task(task_id, username="hana").state == "completed"
