"""Who a username stands for is kept between engine calls, and a change to users, roles or
schools is seen by the very next call, whoever made it: this engine, another engine on the
same database (another process or host), or plain SQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from engine import EngineService, NotFoundError
from engine.actors import ActorCache, identity_version
from engine.db.unit import UnitOfWork
from tests.engine.samples import CANDIDATE, DATA


@pytest.fixture
def review(people):
    people.deploy_files([str(DATA / "candidate_review.bpmn")])
    return people


@pytest.fixture
def other(review):
    """A second engine on the same database, as another server process would be."""
    return EngineService(db_engine=review.db_engine, clock=review.clock)


def _screening_task(service) -> str:
    instance = service.start_instance(
        "candidate_review", username="hana", data={"school_id": "lincoln_high"}
    )
    return instance.open_tasks[0].id


def _version(service) -> int:
    unit = UnitOfWork(service.db_engine, service._sessions)
    try:
        return identity_version(unit)
    finally:
        unit.close()


def test_a_kept_actor_is_reused_until_the_identity_version_moves(review):
    cache = ActorCache()
    unit = UnitOfWork(review.db_engine, review._sessions)
    try:
        first = cache.actor(unit, "hana")
        assert cache.actor(unit, "hana") is first
        assert cache.actor(unit, "hana", identity_version(unit) + 1) is not first
    finally:
        unit.close()


def test_identity_changes_move_the_version_and_other_writes_do_not(review):
    before = _version(review)
    review.set_password("hana", "a-new-password")  # not who she is or what she may do
    _screening_task(review)
    assert _version(review) == before
    review.update_user("hana", roles=["hr", "supervisor"])
    assert _version(review) > before


def test_roles_granted_by_another_engine_count_at_the_next_call(review, other):
    task_id = _screening_task(review)
    with pytest.raises(NotFoundError):  # not his to see; sam is now kept
        review.complete_task(task_id, username="sam", data=CANDIDATE)
    other.update_user("sam", roles=["supervisor", "hr"])
    assert review.complete_task(task_id, username="sam", data=CANDIDATE).state == "completed"


def test_roles_taken_away_by_another_engine_count_at_the_next_call(review, other):
    task_id = _screening_task(review)
    assert [t.id for t in review.list_tasks(username="hana")] == [task_id]  # hana is kept
    other.update_user("hana", roles=["supervisor"])
    assert review.list_tasks(username="hana") == []
    with pytest.raises(NotFoundError):
        review.complete_task(task_id, username="hana", data=CANDIDATE)


def test_a_user_deactivated_with_plain_sql_is_refused_at_the_next_call(review):
    task_id = _screening_task(review)
    review.claim_task(task_id, username="hana")  # hana is kept
    with review.db_engine.begin() as conn:
        conn.execute(text("UPDATE users SET active = false WHERE username = 'hana'"))
    with pytest.raises(NotFoundError, match="deactivated"):
        review.complete_task(task_id, username="hana", data=CANDIDATE)


def test_a_school_added_with_plain_sql_counts_at_the_next_call(review):
    def lina_tasks():
        return review.list_tasks(username="lina")

    review.complete_task(_screening_task(review), username="hana", data=CANDIDATE)
    review.add_school("jefferson_elementary", "Jefferson Elementary")
    instance = review.start_instance(
        "candidate_review", username="hana", data={"school_id": "jefferson_elementary"}
    )
    review.complete_task(instance.open_tasks[0].id, username="hana", data=CANDIDATE)
    assert [t.school_id for t in lina_tasks()] == ["lincoln_high"]  # lina is kept
    with review.db_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO user_schools (user_id, school_id)"
                " SELECT id, 'jefferson_elementary' FROM users WHERE username = 'lina'"
            )
        )
    assert sorted(t.school_id for t in lina_tasks()) == ["jefferson_elementary", "lincoln_high"]


def test_an_unknown_user_completing_an_unknown_task_hears_about_the_user(review):
    with pytest.raises(NotFoundError, match="no user named 'nobody'"):
        review.complete_task("0" * 32, username="nobody", data=CANDIDATE)
