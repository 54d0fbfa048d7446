"""Inbox queries: one page and its total in one call, the orders, and school scoping."""

from __future__ import annotations

import pytest

from engine import InvalidInputError, InvalidStateError, TaskPage
from tests.engine.samples import DATA

# (subject, school, due in): started an hour apart, in this order, by HR.
REVIEWS = [
    ("Ada", "lincoln_high", "P5D"),
    ("Ben", "lincoln_high", None),
    ("Cy", "lincoln_high", "P1D"),
    ("Dee", "roosevelt_middle", "P2D"),
    ("Eve", "lincoln_high", "P3D"),
    ("Fay", "lincoln_high", None),
]


@pytest.fixture
def inbox(people, clock):
    """Lincoln High's reviews for lina (she has claimed Eve's and completed Fay's), one for
    Roosevelt Middle, and a candidate review waiting for HR."""
    people.deploy_files(
        [str(DATA / "inbox" / "dated_review.bpmn"), str(DATA / "candidate_review.bpmn")]
    )
    tasks = {}
    for subject, school, due in REVIEWS:
        instance = people.start_instance(
            "dated_review",
            username="hana",
            data={"school_id": school, "subject": subject, "due": due},
        )
        tasks[subject] = instance.open_tasks[0]
        clock.advance(hours=1)
    people.claim_task(tasks["Eve"].id, username="lina")
    people.complete_task(tasks["Fay"].id, username="lina")
    people.start_instance("candidate_review", username="hana", data={"school_id": "lincoln_high"})
    return people


def subjects(page: TaskPage) -> list[str]:
    return [task.subject for task in page.tasks]


@pytest.mark.parametrize(
    ("username", "arguments"),
    [
        ("lina", {"view": "all"}),
        ("lina", {"view": "queue"}),
        ("lina", {"view": "mine"}),
        ("lina", {"view": "completed"}),
        ("lina", {"view": "completed", "order": "newest"}),
        ("lina", {"view": "all", "order": "waiting"}),
        ("lina", {"view": "queue", "order": "newest"}),
        ("lina", {"view": "all", "process_id": "dated_review", "search": "e"}),
        ("hana", {"view": "all", "school_id": "lincoln_high"}),
        ("hana", {"view": "all", "process_id": "candidate_review"}),
        ("rosa", {"view": "all"}),
    ],
)
@pytest.mark.parametrize("offset", [0, 2])
def test_a_page_is_the_listed_page_with_the_counted_total(inbox, username, arguments, offset):
    page = inbox.task_page(username=username, limit=2, offset=offset, **arguments)
    listed = inbox.list_tasks(username=username, limit=2, offset=offset, **arguments)
    assert page.tasks == tuple(listed)
    assert page.total == inbox.count_tasks(username=username, **arguments)


def test_a_page_holds_the_rows_and_the_total_of_every_match(inbox):
    page = inbox.task_page(username="lina", view="all", limit=3)
    assert subjects(page) == ["Cy", "Eve", "Ada"]  # due soonest first
    assert page.total == 4  # and Ben's, without a due date
    assert page.tasks[1].assignee == "lina" and page.tasks[1].due_at is not None


def test_a_page_past_the_end_is_empty_but_keeps_the_total(inbox):
    page = inbox.task_page(username="lina", view="all", limit=2, offset=10)
    assert page.tasks == () and page.total == 4


def test_an_empty_list_has_a_total_of_zero(inbox):
    page = inbox.task_page(username="otto", view="all", limit=2)
    assert page == TaskPage(tasks=(), total=0)


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("due", ["Cy", "Eve", "Ada", "Ben"]),  # soonest due first, none last
        ("waiting", ["Ada", "Ben", "Cy", "Eve"]),  # longest waiting first
        ("newest", ["Eve", "Cy", "Ben", "Ada"]),
    ],
)
def test_the_engine_sorts_pages_in_the_order_asked_for(inbox, order, expected):
    first = inbox.task_page(username="lina", view="all", order=order, limit=2)
    second = inbox.task_page(username="lina", view="all", order=order, limit=2, offset=2)
    assert subjects(first) + subjects(second) == expected
    assert [t.subject for t in inbox.list_tasks(username="lina", order=order)] == expected


def test_completed_tasks_are_latest_first(inbox, clock):
    clock.advance(hours=1)
    inbox.complete_task(inbox.task_page(username="lina", view="mine").tasks[0].id, username="lina")
    page = inbox.task_page(username="lina", view="completed", limit=1)
    assert subjects(page) == ["Eve"] and page.total == 2


@pytest.mark.parametrize("call", ["task_page", "list_tasks", "count_tasks"])
def test_an_unknown_order_is_refused_by_name(inbox, call):
    with pytest.raises(InvalidInputError, match="unknown task order 'oldest'.*due, waiting"):
        getattr(inbox, call)(username="lina", order="oldest")


def test_an_unknown_view_is_refused(inbox):
    with pytest.raises(InvalidStateError, match="unknown task view 'everything'"):
        inbox.task_page(username="lina", view="everything")


def test_pages_show_only_the_users_schools(inbox):
    assert subjects(inbox.task_page(username="rosa", view="all")) == ["Dee"]
    assert "Dee" not in subjects(inbox.task_page(username="lina", view="all"))
    other_school = inbox.task_page(username="lina", view="all", school_id="roosevelt_middle")
    assert other_school == TaskPage(tasks=(), total=0)
    hr = inbox.task_page(username="hana", view="all")
    assert subjects(hr) == [None] and hr.tasks[0].process_id == "candidate_review"


def test_a_page_as_json_is_its_items_and_total(inbox):
    page = inbox.task_page(username="lina", view="mine")
    assert page.to_dict() == {"items": [page.tasks[0].to_dict()], "total": 1}
    assert page.to_dict()["items"][0]["subject"] == "Eve"


def test_a_school_administrator_of_two_schools_sees_the_tasks_of_both(inbox):
    inbox.add_user("sue", roles=["school_admin"], schools=["lincoln_high", "roosevelt_middle"])
    page = inbox.task_page(username="sue", view="all", limit=3)
    assert subjects(page) == ["Cy", "Dee", "Eve"] and page.total == 5  # Ada, Ben follow
    queue = inbox.task_page(username="sue", view="queue", search="e")
    assert subjects(queue) == ["Dee", "Ben"]  # Eve's is claimed by lina
    one_school = inbox.task_page(username="sue", view="all", school_id="roosevelt_middle")
    assert subjects(one_school) == ["Dee"] and one_school.total == 1


def test_a_task_without_a_school_is_in_every_school_administrators_inbox(inbox):
    inbox.start_instance("dated_review", username="hana", data={"subject": "Gil", "due": "P4D"})
    lina = inbox.task_page(username="lina", view="all")
    assert subjects(lina) == ["Cy", "Eve", "Gil", "Ada", "Ben"] and lina.total == 5
    rosa = inbox.task_page(username="rosa", view="queue")
    assert subjects(rosa) == ["Dee", "Gil"] and rosa.total == 2


def test_a_claimed_task_is_listed_and_counted_once(inbox):
    """Eve's review reaches lina twice, as a school administrator and as its assignee."""
    page = inbox.task_page(username="lina", view="all", search="eve")
    assert subjects(page) == ["Eve"] and page.total == 1
    assert inbox.count_tasks(username="lina", view="all") == 4
