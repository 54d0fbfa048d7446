"""The inbox: views, counts, columns, filters, search, overdue, sorting, pages, scoping."""

from __future__ import annotations

import re

import pytest

from tests.webui.conftest import (
    AuthActions,
    make_app,
    review_at_interview,
    start_feedback,
    start_review,
    text,
)


def rows(page: str) -> list[str]:
    """The task names in the inbox table, in order."""
    body = page.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in page else ""
    return re.findall(r'<a href="/tasks/[^"]+">([^<]+)</a>', body)


def test_queue_lists_unclaimed_tasks_with_columns(client, auth, deployed):
    start_review(deployed)
    auth.login("hana")
    page = text(client.get("/inbox?view=queue"))
    assert rows(page) == ["Record candidate"]
    for heading in ("Task", "Process", "Subject", "School", "Due", "Waiting since"):
        assert f'<th scope="col">{heading}</th>' in page
    assert "Candidate review" in page and "Lincoln High School" in page
    assert "Claim<span" in page


def test_the_inbox_opens_on_my_tasks_if_any_else_on_the_queue(client, auth, deployed):
    instance, _other = start_review(deployed), start_review(deployed)
    auth.login("hana")
    page = text(client.get("/inbox"))
    assert "<title>Queue" in page and rows(page) == ["Record candidate", "Record candidate"]
    deployed.claim_task(instance.open_tasks[0].id, username="hana")
    page = text(client.get("/inbox"))
    assert "<title>My tasks" in page and rows(page) == ["Record candidate"]
    assert "Unclaim<span" in page
    assert rows(text(client.get("/inbox?view=mine"))) == ["Record candidate"]


def test_navigation_counts_mine_and_queue(client, auth, deployed):
    first, _second = start_review(deployed), start_review(deployed)
    deployed.claim_task(first.open_tasks[0].id, username="hana")
    auth.login("hana")
    page = text(client.get("/inbox?view=completed"))
    nav = page.split('aria-label="Main"')[1].split("</nav>")[0]
    assert re.search(r'My tasks <span class="count">1</span>', nav)
    assert re.search(r'Queue <span class="count">1</span>', nav)


def test_completed_by_me_lists_completed_tasks(client, auth, deployed):
    review_at_interview(deployed)
    auth.login("hana")
    page = text(client.get("/inbox?view=completed"))
    assert rows(page) == ["Record candidate"]
    assert '<th scope="col">Completed</th>' in page


def test_school_admin_sees_only_own_schools_tasks(client, auth, deployed):
    review_at_interview(deployed, "lincoln_high", "Lincoln Candidate")
    review_at_interview(deployed, "roosevelt_middle", "Roosevelt Candidate")
    auth.login("lina")
    page = text(client.get("/inbox?view=queue"))
    assert "Lincoln Candidate" in page and "Roosevelt Candidate" not in page
    school_picker = page.split('id="filter-school"')[1].split("</select>")[0]
    assert "Lincoln High School" in school_picker and "Roosevelt" not in school_picker


def test_filters_by_process_and_school(client, auth, deployed):
    start_review(deployed, "lincoln_high")
    start_review(deployed, "roosevelt_middle")
    start_feedback(deployed, "lincoln_high")
    auth.login("lina")
    assert rows(text(client.get("/inbox?view=queue"))) == ["Give feedback"]
    auth.logout()
    auth.login("hana")
    assert len(rows(text(client.get("/inbox?view=queue")))) == 2
    page = text(client.get("/inbox?view=queue&school=roosevelt_middle"))
    assert rows(page) == ["Record candidate"]
    assert "Roosevelt Middle School" in page.split("<tbody>")[1]
    assert rows(text(client.get("/inbox?view=queue&process=officer_feedback"))) == []


def test_search_matches_the_subject(client, auth, deployed):
    review_at_interview(deployed, name="Maria Hernandez")
    review_at_interview(deployed, name="Devon Brooks")
    auth.login("lina")
    page = text(client.get("/inbox?view=queue&q=hernan"))
    assert "Maria Hernandez" in page and "Devon Brooks" not in page
    assert 'value="hernan"' in page


def test_overdue_tasks_are_highlighted_and_filterable(client, auth, deployed, clock):
    start_feedback(deployed, officer="Late Officer")
    clock.advance(days=2)
    start_feedback(deployed, officer="Fresh Officer")
    clock.advance(days=2)  # the first is due after 3 days: overdue now; the second is not
    auth.login("lina")
    page = text(client.get("/inbox?view=queue"))
    assert page.count('class="overdue"') == 1
    assert "badge-overdue" in page
    overdue = text(client.get("/inbox?view=queue&overdue=1"))
    assert "Late Officer" in overdue and "Fresh Officer" not in overdue


def test_sort_by_waiting_time_puts_the_oldest_first(client, auth, deployed, clock):
    start_review(deployed)  # no due date: the engine lists it after tasks that have one
    clock.advance(hours=1)
    start_feedback(deployed, officer="Due Officer")
    deployed.update_user("hana", roles=["hr", "school_admin"], schools=["lincoln_high"])
    auth.login("hana")
    by_due = rows(text(client.get("/inbox?view=queue")))
    assert by_due == ["Give feedback", "Record candidate"]
    by_waiting = rows(text(client.get("/inbox?view=queue&sort=waiting")))
    assert by_waiting == ["Record candidate", "Give feedback"]


def test_waiting_longest_first_holds_across_pages(deployed, clock):
    client = make_app(deployed, PAGE_SIZE=2).test_client()
    deployed.update_user("hana", roles=["hr", "school_admin"], schools=["lincoln_high"])
    for _ in range(2):  # a review (no due date), then feedback (due in 3 days), an hour apart
        start_review(deployed)
        clock.advance(hours=1)
        start_feedback(deployed)
        clock.advance(hours=1)
    AuthActions(client, deployed).login("hana")
    by_due = [rows(text(client.get(f"/inbox?view=queue&page={n}"))) for n in (1, 2)]
    assert by_due == [["Give feedback"] * 2, ["Record candidate"] * 2]
    pages = [text(client.get(f"/inbox?view=queue&sort=waiting&page={n}")) for n in (1, 2)]
    assert [rows(page) for page in pages] == [["Record candidate", "Give feedback"]] * 2
    assert "Showing 3–4 of 4 tasks, waiting longest first." in pages[1]


def test_pagination_splits_long_lists(deployed):
    client = make_app(deployed, PAGE_SIZE=2).test_client()
    for _ in range(5):
        start_review(deployed)
    AuthActions(client, deployed).login("hana")
    first = text(client.get("/inbox?view=queue"))
    assert len(rows(first)) == 2 and "Showing 1–2 of 5 tasks" in first
    assert 'aria-label="Pages"' in first
    last = text(client.get("/inbox?view=queue&page=3"))
    assert len(rows(last)) == 1 and "Showing 5–5 of 5 tasks" in last
    beyond = client.get("/inbox?view=queue&page=9")
    assert beyond.status_code == 302 and "page=3" in beyond.location


def test_unknown_view_is_a_bad_request(client, auth):
    auth.login("hana")
    assert client.get("/inbox?view=everything").status_code == 400


@pytest.mark.parametrize("username", ["hana", "sam", "ada", "lina", "rosa", "otto", "root", "pat"])
def test_every_role_gets_an_inbox(client, auth, username):
    auth.login(username)
    response = client.get("/inbox")
    assert response.status_code == 200
    assert "Tasks" in text(response)
