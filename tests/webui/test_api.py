"""The JSON API: shapes (checked against our OpenAPI document), errors as JSON, token and
session authentication, CSRF only for session calls, and school scoping."""

from __future__ import annotations

import pytest

from tests.webui.conftest import (
    GOOD_CANDIDATE,
    csrf_token,
    review_at_interview,
    start_feedback,
    start_review,
)
from webui.openapi import openapi_document

TYPES = {"string": str, "integer": int, "boolean": bool, "object": dict, "array": list}


def check(value, schema: dict, path: str = "$") -> None:
    """A small OpenAPI 3.0 schema check: types, nullable, required, no unknown properties."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = openapi_document()["components"]["schemas"][name]
    if value is None:
        assert schema.get("nullable") or not schema, f"{path} is null"
        return
    kind = schema.get("type")
    if kind:
        assert isinstance(value, TYPES[kind]), f"{path}: {value!r} is not {kind}"
        assert not (kind == "integer" and isinstance(value, bool)), path
    if "enum" in schema:
        assert value in schema["enum"], f"{path}: {value!r} not in {schema['enum']}"
    if kind == "object" and "properties" in schema:
        missing = set(schema.get("required", ())) - set(value)
        assert not missing, f"{path} lacks {missing}"
        unknown = set(value) - set(schema["properties"])
        assert not unknown, f"{path} has undocumented {unknown}"
        for key, item in value.items():
            check(item, schema["properties"][key], f"{path}.{key}")
    if kind == "array" and "items" in schema:
        for index, item in enumerate(value):
            check(item, schema["items"], f"{path}[{index}]")


def response_schema(path: str, method: str = "get", status: str = "200") -> dict:
    operation = openapi_document()["paths"][path][method]
    return operation["responses"][status]["content"]["application/json"]["schema"]


@pytest.fixture
def token(deployed):
    return lambda username: {"Authorization": f"Bearer {deployed.issue_api_token(username)}"}


def test_openapi_describes_every_api_route(app):
    described = {
        (path, method) for path, ops in openapi_document()["paths"].items() for method in ops
    }
    routes = {
        (
            rule.rule.removeprefix("/api/v1")
            .replace("<int:", "{")
            .replace("<", "{")
            .replace(">", "}"),
            method.lower(),
        )
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == described


def test_openapi_is_public_json(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.json["openapi"].startswith("3.")


def test_requests_without_credentials_get_json_401(client):
    response = client.get("/api/v1/tasks")
    assert response.status_code == 401
    assert response.json["error"] and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_bad_token_is_401_even_with_a_session(client, auth):
    auth.login("hana")
    response = client.get("/api/v1/tasks", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401


def test_token_calls_neither_use_nor_change_the_browser_session(client, auth, token):
    auth.login("lina")
    other_browser = {**token("hana"), "User-Agent": "a script, not the signed-in browser"}
    response = client.get("/api/v1/me", headers=other_browser)
    assert response.json["username"] == "hana"
    assert "Set-Cookie" not in response.headers
    assert client.get("/api/v1/me").json["username"] == "lina"


def test_task_list_shape_and_pagination(client, deployed, token):
    for _ in range(3):
        start_review(deployed)
    response = client.get("/api/v1/tasks?view=queue&limit=2", headers=token("hana"))
    assert response.status_code == 200
    check(response.json, response_schema("/tasks"))
    assert response.json["total"] == 3 and len(response.json["items"]) == 2
    page_two = client.get("/api/v1/tasks?view=queue&limit=2&offset=2", headers=token("hana"))
    assert len(page_two.json["items"]) == 1


def test_task_list_past_the_end_is_empty_with_the_total(client, deployed, token):
    for _ in range(3):
        start_review(deployed)
    response = client.get("/api/v1/tasks?view=queue&limit=2&offset=10", headers=token("hana"))
    assert response.json == {"items": [], "total": 3, "limit": 2, "offset": 10, "view": "queue"}


def test_task_list_filters(client, deployed, token):
    start_feedback(deployed, officer="Late Officer")
    deployed.clock.advance(days=4)
    start_feedback(deployed, officer="Fresh Officer")
    headers = token("lina")
    overdue = client.get("/api/v1/tasks?overdue=true", headers=headers).json["items"]
    assert [t["subject"] for t in overdue] == ["Late Officer"]
    found = client.get("/api/v1/tasks?search=fresh", headers=headers).json["items"]
    assert [t["subject"] for t in found] == ["Fresh Officer"]
    assert (
        client.get("/api/v1/tasks?school_id=roosevelt_middle", headers=headers).json["items"] == []
    )


@pytest.mark.parametrize("query", ["view=nope", "limit=0", "limit=x", "offset=-1"])
def test_bad_list_arguments_are_json_400(client, token, query):
    response = client.get(f"/api/v1/tasks?{query}", headers=token("hana"))
    assert response.status_code == 400 and "error" in response.json


def test_get_task_with_form(client, deployed, token):
    task = start_feedback(deployed).open_tasks[0]
    response = client.get(f"/api/v1/tasks/{task.id}", headers=token("lina"))
    check(response.json, response_schema("/tasks/{task_id}"))
    assert [f["id"] for f in response.json["form"]][:2] == ["officer_name", "rating"]
    assert response.json["data"]["officer_name"] == "Otto Reyes"


def test_claim_unclaim_complete_by_token(client, deployed, token):
    task = start_review(deployed).open_tasks[0]
    headers = token("hana")
    claimed = client.post(f"/api/v1/tasks/{task.id}/claim", headers=headers)
    check(claimed.json, response_schema("/tasks/{task_id}/claim", "post"))
    assert claimed.json["assignee"] == "hana"
    unclaimed = client.post(f"/api/v1/tasks/{task.id}/unclaim", headers=headers)
    assert unclaimed.json["assignee"] is None
    data = {**GOOD_CANDIDATE, "years_experience": 6, "youth_engagement": True}
    done = client.post(f"/api/v1/tasks/{task.id}/complete", json=data, headers=headers)
    assert done.status_code == 200 and done.json["state"] == "completed"


def test_refused_form_data_is_422_with_field_messages(client, deployed, token):
    task = start_review(deployed).open_tasks[0]
    response = client.post(
        f"/api/v1/tasks/{task.id}/complete",
        json={"candidate_name": "J", "years_experience": 99},
        headers=token("hana"),
    )
    assert response.status_code == 422
    check(response.json, {"$ref": "#/components/schemas/Error"})
    assert response.json["fields"]["candidate_name"] == "must be at least 2 characters"
    assert response.json["fields"]["communication"] == "is required"


def test_complete_without_a_json_object_is_400(client, deployed, token):
    task = start_review(deployed).open_tasks[0]
    response = client.post(f"/api/v1/tasks/{task.id}/complete", data="x", headers=token("hana"))
    assert response.status_code == 400 and "JSON object" in response.json["error"]


def test_conflicts_and_permissions_are_json(client, deployed, token):
    task = review_at_interview(deployed).open_tasks[0]
    client.post(f"/api/v1/tasks/{task.id}/claim", headers=token("lina"))
    deployed.add_user("lena", roles=["school_admin"], schools=["lincoln_high"])
    conflict = client.post(f"/api/v1/tasks/{task.id}/claim", headers=token("lena"))
    assert conflict.status_code == 409 and "already claimed" in conflict.json["error"]
    denied = client.post(
        f"/api/v1/tasks/{task.id}/reassign", json={"to": "lena"}, headers=token("sam")
    )
    assert denied.status_code == 403 and denied.json["status"] == 403
    moved = client.post(
        f"/api/v1/tasks/{task.id}/reassign", json={"to": "lena"}, headers=token("hana")
    )
    assert moved.status_code == 200 and moved.json["assignee"] == "lena"


def test_other_schools_tasks_and_instances_are_json_404(client, deployed, token):
    instance = review_at_interview(deployed, "lincoln_high", name="Secret Candidate")
    headers = token("rosa")
    for response in (
        client.get(f"/api/v1/tasks/{instance.open_tasks[0].id}", headers=headers),
        client.post(f"/api/v1/tasks/{instance.open_tasks[0].id}/claim", headers=headers),
        client.get(f"/api/v1/instances/{instance.id}", headers=headers),
        client.get(f"/api/v1/instances/{instance.id}/diagram", headers=headers),
    ):
        assert response.status_code == 404 and "Secret" not in response.get_data(as_text=True)
    assert client.get("/api/v1/instances", headers=headers).json["items"] == []
    assert client.get("/api/v1/tasks", headers=headers).json["items"] == []


def test_processes_and_start(client, deployed, token):
    listed = client.get("/api/v1/processes", headers=token("hana"))
    check(listed.json, response_schema("/processes"))
    assert {p["process_id"] for p in listed.json["items"]} == {
        "candidate_review",
        "officer_feedback",
    }
    started = client.post(
        "/api/v1/processes/candidate_review/start",
        json={"data": {"school_id": "lincoln_high"}},
        headers=token("hana"),
    )
    assert started.status_code == 201
    check(started.json, response_schema("/processes/{process_id}/start", "post", "201"))
    assert started.headers["Location"] == f"/api/v1/instances/{started.json['id']}"
    empty = client.post("/api/v1/processes/candidate_review/start", headers=token("hana"))
    assert empty.status_code == 201
    refused = client.post(
        "/api/v1/processes/officer_feedback/start", json={"data": {}}, headers=token("hana")
    )
    assert refused.status_code == 422 and "officer_name" in refused.json["fields"]
    forbidden = client.post("/api/v1/processes/candidate_review/start", headers=token("lina"))
    assert forbidden.status_code == 403
    bad = client.post(
        "/api/v1/processes/candidate_review/start", json={"data": []}, headers=token("hana")
    )
    assert bad.status_code == 400


def test_instances_list_detail_and_diagram(client, deployed, token):
    instance = review_at_interview(deployed)
    headers = token("lina")
    listed = client.get("/api/v1/instances?state=running", headers=headers)
    check(listed.json, response_schema("/instances"))
    assert [i["id"] for i in listed.json["items"]] == [instance.id]
    assert (listed.json["total"], listed.json["offset"]) == (1, 0)
    past = client.get("/api/v1/instances?offset=1", headers=headers).json
    assert (past["items"], past["total"]) == ([], 1)
    detail = client.get(f"/api/v1/instances/{instance.id}", headers=headers)
    check(detail.json, response_schema("/instances/{instance_id}"))
    assert [e["type"] for e in detail.json["history"]][:1] == ["started"]
    diagram = client.get(f"/api/v1/instances/{instance.id}/diagram", headers=headers)
    check(diagram.json, response_schema("/instances/{instance_id}/diagram"))
    assert diagram.json["active_element_ids"] == ["interview"]
    assert client.get("/api/v1/instances?state=odd", headers=headers).status_code == 400


def test_me(client, token):
    response = client.get("/api/v1/me", headers=token("lina"))
    check(response.json, response_schema("/me"))
    assert response.json["schools"] == ["lincoln_high"]


def test_unknown_routes_and_methods_are_json(client, token):
    missing = client.get("/api/v1/nothing-here", headers=token("hana"))
    assert missing.status_code == 404 and missing.is_json
    wrong = client.get("/api/v1/tasks/x/claim", headers=token("hana"))
    assert wrong.status_code == 405 and wrong.is_json and "POST" in wrong.headers["Allow"]


def test_token_calls_skip_csrf_but_session_calls_need_it(csrf_client, deployed):
    task = start_review(deployed).open_tasks[0]
    headers = {"Authorization": f"Bearer {deployed.issue_api_token('hana')}"}
    assert csrf_client.post(f"/api/v1/tasks/{task.id}/claim", headers=headers).status_code == 200
    assert "Set-Cookie" not in csrf_client.get("/api/v1/me", headers=headers).headers
    csrf_client.post(f"/api/v1/tasks/{task.id}/unclaim", headers=headers)
    token = csrf_token(csrf_client)
    csrf_client.post(
        "/login", data={"username": "hana", "password": "hr-password", "csrf_token": token}
    )
    refused = csrf_client.post(f"/api/v1/tasks/{task.id}/claim")
    assert refused.status_code == 400 and "CSRF" in refused.json["error"]
    page_token = csrf_token(csrf_client, "/inbox")
    accepted = csrf_client.post(
        f"/api/v1/tasks/{task.id}/claim", headers={"X-CSRFToken": page_token}
    )
    assert accepted.status_code == 200
