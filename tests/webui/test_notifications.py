"""Notifications: the /notifications page, mark as read (one and all), the unread badge in
the navigation and the JSON API. The notifications come from the engine: a task assigned by
`camunda:assignee` ("assigned") and a reminder timer ("due soon")."""

from __future__ import annotations

import re

import pytest

from tests.webui.conftest import ROOT, csrf_token, text, with_password
from tests.webui.test_api import check, response_schema

ENGINE_DATA = ROOT / "tests" / "data" / "engine"
ASSIGNED_REVIEW = ENGINE_DATA / "traps" / "assigned_review.bpmn"
TIMED_REVIEW = ENGINE_DATA / "timers" / "timed_review.bpmn"


@pytest.fixture
def engine(deployed):
    """The app's engine with the assigned review and the timed review deployed too."""
    deployed.deploy_files([str(ASSIGNED_REVIEW), str(TIMED_REVIEW)], deployed_by="pat")
    return deployed


def assign_review(service, to: str):
    """An assigned review whose "Supervisor sign-off" task is assigned to `to`: the engine
    queues an "assigned" notification for them. Returns the task."""
    instance = service.start_instance(
        "assigned_review", username="hana", data={"supervisor_username": to}
    )
    return instance.open_tasks[0]


def notifications_of(service, username: str, **options):
    return service.list_notifications(username=username, **options)


def badge(page: str) -> str | None:
    """The unread count in the navigation, or None when it shows none."""
    found = re.search(
        r'Notifications <span class="count">([^<]+)<span class="visually-hidden"> unread', page
    )
    return found.group(1) if found else None


def rows(page: str) -> list[str]:
    """The ids of the notifications listed, in page order."""
    return re.findall(r'<tr id="notification-(\d+)"', page)


def test_page_lists_only_own_notifications_newest_first(client, auth, engine):
    first = assign_review(engine, "sam")
    engine.clock.advance(hours=2)
    second = assign_review(engine, "sam")
    assign_review(engine, "lina")
    sams = notifications_of(engine, "sam")
    lina = notifications_of(engine, "lina")[0]
    auth.login("sam")
    page = text(client.get("/notifications"))
    newest, oldest = sorted(sams, key=lambda n: n.created_at, reverse=True)
    assert rows(page) == [str(newest.id), str(oldest.id)]
    assert newest.task_id == second.id and oldest.task_id == first.id
    assert f'id="notification-{lina.id}"' not in page
    assert "Assigned to you" in page and "New task for you: Supervisor sign-off" in page
    assert page.count('class="badge badge-unread">Unread') == 2
    assert f'href="/tasks/{second.id}"' in page
    assert badge(page) == "2"


def test_someone_without_notifications_sees_an_empty_page_and_no_badge(client, auth, engine):
    assign_review(engine, "sam")
    auth.login("hana")
    page = text(client.get("/notifications"))
    assert rows(page) == [] and "No notifications yet" in page
    assert badge(page) is None and 'href="/notifications"' in page


def test_mark_as_read_changes_the_count_and_the_marking(client, auth, engine):
    assign_review(engine, "sam")
    assign_review(engine, "sam")
    one, other = notifications_of(engine, "sam")
    auth.login("sam")
    response = client.post(f"/notifications/{one.id}/read", data={"next": "/notifications"})
    assert response.status_code == 302 and response.location == "/notifications"
    page = text(client.get("/notifications"))
    assert badge(page) == "1"
    assert page.count('class="badge badge-unread">Unread') == 1
    assert re.search(rf'<tr id="notification-{one.id}" class="notification">', page)
    assert re.search(rf'<tr id="notification-{other.id}" class="notification unread">', page)
    unread = text(client.get("/notifications?unread=1"))
    assert rows(unread) == [str(other.id)]
    assert [n.id for n in notifications_of(engine, "sam", unread_only=True)] == [other.id]


def test_mark_all_read(client, auth, engine):
    for _ in range(3):
        assign_review(engine, "sam")
    assign_review(engine, "lina")
    auth.login("sam")
    response = client.post("/notifications/read-all", follow_redirects=True)
    page = text(response)
    assert "Marked 3 notifications as read." in page and badge(page) is None
    assert notifications_of(engine, "sam", unread_only=True) == []
    assert len(notifications_of(engine, "lina", unread_only=True)) == 1
    assert "No unread notifications" in text(client.get("/notifications?unread=1"))
    again = text(client.post("/notifications/read-all", follow_redirects=True))
    assert "There were no unread notifications." in again


def test_nobody_can_mark_someone_elses_notification(client, auth, engine):
    assign_review(engine, "lina")
    linas = notifications_of(engine, "lina")[0]
    auth.login("sam")
    assert client.post(f"/notifications/{linas.id}/read").status_code == 302
    assert notifications_of(engine, "lina")[0].read_at is None


def test_next_must_be_a_local_path(client, auth, engine):
    assign_review(engine, "sam")
    notification = notifications_of(engine, "sam")[0]
    auth.login("sam")
    response = client.post(
        f"/notifications/{notification.id}/read", data={"next": "https://evil.example/"}
    )
    assert response.location == "/inbox"


def test_task_link_follows_the_task(client, auth, engine):
    task = assign_review(engine, "sam")
    engine.complete_task(task.id, username="sam", data={"note": "fine"})
    auth.login("sam")
    page = text(client.get("/notifications"))
    assert f'href="/tasks/{task.id}"' in page and "completed" in page


def test_reminder_timer_notifies_the_school_administrator(client, auth, engine):
    engine.start_instance(
        "timed_review",
        username="hana",
        data={"probation_length": "P1D", "school_id": "lincoln_high"},
    )
    engine.clock.advance(days=2)
    engine.fire_due_timers()  # probation over: reviews start, their timers are set
    engine.clock.advance(days=11)
    engine.fire_due_timers()  # the non-interrupting reminder after 10 days
    reminder = notifications_of(engine, "lina")[0]
    assert reminder.kind == "due_soon"
    assert notifications_of(engine, "rosa") == []
    auth.login("lina")
    page = text(client.get("/notifications"))
    assert "Due soon" in page and reminder.subject in page
    assert f'href="/tasks/{reminder.task_id}">Administrator input</a>' in page


def test_pages_need_sign_in(client):
    assert client.get("/notifications").location.startswith("/login")
    assert client.post("/notifications/1/read").location.startswith("/login")
    assert client.post("/notifications/read-all").location.startswith("/login")


def test_csrf_is_enforced_on_the_page_forms(csrf_client, engine):
    assign_review(engine, "sam")
    notification = notifications_of(engine, "sam")[0]
    csrf_client.post(
        "/login",
        data={
            "username": "sam",
            "password": with_password(engine, "sam"),
            "csrf_token": csrf_token(csrf_client),
        },
    )
    assert csrf_client.post(f"/notifications/{notification.id}/read").status_code == 400
    assert csrf_client.post("/notifications/read-all").status_code == 400
    assert notifications_of(engine, "sam")[0].read_at is None
    token = csrf_token(csrf_client, "/notifications")
    accepted = csrf_client.post(
        f"/notifications/{notification.id}/read", data={"csrf_token": token}
    )
    assert accepted.status_code == 302
    assert notifications_of(engine, "sam")[0].read_at is not None


# -- the JSON API ---------------------------------------------------------------------------


@pytest.fixture
def token(engine):
    return lambda username: {"Authorization": f"Bearer {engine.issue_api_token(username)}"}


def test_api_lists_own_notifications_in_the_documented_shape(client, engine, token):
    task = assign_review(engine, "sam")
    engine.clock.advance(minutes=5)
    assign_review(engine, "sam")
    assign_review(engine, "lina")
    response = client.get("/api/v1/notifications", headers=token("sam"))
    assert response.status_code == 200
    check(response.json, response_schema("/notifications"))
    items = response.json["items"]
    assert len(items) == 2 and items[0]["created_at"] > items[1]["created_at"]
    oldest = items[1]
    assert oldest["kind"] == "assigned" and oldest["task_id"] == task.id
    assert oldest["instance_id"] == task.instance_id and oldest["read_at"] is None
    limited = client.get("/api/v1/notifications?limit=1", headers=token("sam")).json
    assert [n["id"] for n in limited["items"]] == [items[0]["id"]]


def test_api_mark_read_and_unread_filter(client, engine, token):
    assign_review(engine, "sam")
    assign_review(engine, "sam")
    headers = token("sam")
    first, second = (
        n["id"] for n in client.get("/api/v1/notifications", headers=headers).json["items"]
    )
    response = client.post(f"/api/v1/notifications/{first}/read", headers=headers)
    assert response.status_code == 200
    check(response.json, response_schema("/notifications/{notification_id}/read", "post"))
    assert response.json["id"] == first and response.json["read_at"] is not None
    engine.clock.advance(hours=1)
    again = client.post(f"/api/v1/notifications/{first}/read", headers=headers)
    assert again.status_code == 200 and again.json["read_at"] == response.json["read_at"]
    for query in ("unread=1", "unread=true"):
        unread = client.get(f"/api/v1/notifications?{query}", headers=headers).json["items"]
        assert [n["id"] for n in unread] == [second]


def test_api_refuses_someone_elses_notification_with_404(client, engine, token):
    assign_review(engine, "lina")
    linas = notifications_of(engine, "lina")[0]
    response = client.post(f"/api/v1/notifications/{linas.id}/read", headers=token("sam"))
    assert response.status_code == 404 and response.is_json and response.json["status"] == 404
    assert notifications_of(engine, "lina")[0].read_at is None
    missing = client.post("/api/v1/notifications/999999/read", headers=token("sam"))
    assert missing.status_code == 404


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=x"])
def test_api_bad_limit_is_json_400(client, token, query):
    response = client.get(f"/api/v1/notifications?{query}", headers=token("sam"))
    assert response.status_code == 400 and "error" in response.json


def test_api_needs_authentication(client):
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.post("/api/v1/notifications/1/read").status_code == 401


def test_api_session_calls_need_the_csrf_header(csrf_client, engine):
    assign_review(engine, "hana")
    notification = notifications_of(engine, "hana")[0]
    csrf_client.post(
        "/login",
        data={"username": "hana", "password": "hr-password", "csrf_token": csrf_token(csrf_client)},
    )
    refused = csrf_client.post(f"/api/v1/notifications/{notification.id}/read")
    assert refused.status_code == 400 and "CSRF" in refused.json["error"]
    page_token = csrf_token(csrf_client, "/notifications")
    accepted = csrf_client.post(
        f"/api/v1/notifications/{notification.id}/read", headers={"X-CSRFToken": page_token}
    )
    assert accepted.status_code == 200 and accepted.json["read_at"] is not None
