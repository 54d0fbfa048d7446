"""Starting a process: the list of startable processes, start forms, the school picker."""

from __future__ import annotations

import pytest

from tests.webui.conftest import text


def test_hr_sees_both_processes(client, auth):
    auth.login("hana")
    page = text(client.get("/processes"))
    assert "Candidate review" in page and "Officer feedback" in page
    assert 'href="/processes/candidate_review/start"' in page


@pytest.mark.parametrize("username", ["lina", "otto", "ada", "pat"])
def test_roles_without_start_rights_see_an_explanation(client, auth, username):
    auth.login(username)
    page = text(client.get("/processes"))
    assert "There is no process you may start" in page
    assert client.get("/processes/candidate_review/start").status_code == 403


def test_supervisor_may_start_only_what_names_their_role(client, auth):
    auth.login("sam")
    page = text(client.get("/processes"))
    assert "Officer feedback" in page and "Candidate review" not in page


def test_formless_process_offers_an_optional_school_picker(client, auth, deployed):
    auth.login("hana")
    page = text(client.get("/processes/candidate_review/start"))
    assert '<label for="field-school_id">School' in page and "(optional)" in page
    response = client.post("/processes/candidate_review/start", data={"school_id": "lincoln_high"})
    assert response.status_code == 302 and response.location.startswith("/instances/")
    instance = deployed.get_instance(int(response.location.rsplit("/", 1)[1]))
    assert instance.school_id == "lincoln_high" and instance.started_by == "hana"
    assert "Started “Candidate review”" in text(client.get(response.location))


def test_formless_process_starts_without_a_school(client, auth, deployed):
    auth.login("hana")
    response = client.post("/processes/candidate_review/start", data={})
    instance = deployed.get_instance(int(response.location.rsplit("/", 1)[1]))
    assert instance.school_id is None and instance.data == {}


def test_school_picker_refuses_a_school_not_offered(client, auth, deployed):
    auth.login("hana")
    response = client.post("/processes/candidate_review/start", data={"school_id": "atlantis"})
    assert response.status_code == 422
    assert "choose one of the listed schools" in text(response)
    assert deployed.list_instances() == []


def test_start_form_is_rendered_and_validated(client, auth, deployed):
    auth.login("hana")
    page = text(client.get("/processes/officer_feedback/start"))
    assert '<label for="field-officer_name">' in page and 'id="field-school_id"' in page
    response = client.post("/processes/officer_feedback/start", data={"officer_name": "O"})
    assert response.status_code == 422
    page = text(response)
    assert "Officer must be at least 2 characters" in page and "School is required" in page
    assert 'value="O"' in page
    assert deployed.list_instances() == []
    response = client.post(
        "/processes/officer_feedback/start",
        data={"officer_name": "Otto Reyes", "school_id": "roosevelt_middle"},
    )
    instance = deployed.get_instance(int(response.location.rsplit("/", 1)[1]))
    assert instance.subject == "Otto Reyes" and instance.school_id == "roosevelt_middle"


def test_unknown_process_is_404(client, auth):
    auth.login("hana")
    assert client.get("/processes/no_such_process/start").status_code == 404
