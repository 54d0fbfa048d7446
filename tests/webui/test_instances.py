"""Instance pages: the list each user may see, and one instance's diagram data, history,
data and open tasks, with school scoping."""

from __future__ import annotations

import json
import re

import pytest

from tests.webui.conftest import AuthActions, make_app, review_at_interview, start_review, text


def diagram_data(page: str) -> dict:
    raw = re.search(r'<script type="application/json" id="diagram-data">(.*?)</script>', page, re.S)
    return json.loads(raw.group(1))


def test_instance_page_carries_the_diagram_with_marked_elements(client, auth, deployed):
    instance = review_at_interview(deployed)
    auth.login("hana")
    page = text(client.get(f"/instances/{instance.id}"))
    data = diagram_data(page)
    assert data["active_element_ids"] == ["interview"]
    assert "record_candidate" in data["completed_element_ids"]
    assert data["bpmn_xml"].lstrip().startswith("<?xml")
    assert 'data-diagram-source="diagram-data"' in page
    assert "/static/dist/instance-diagram.js" in page
    assert "Waiting at: Interview candidate." in page  # the diagram's text alternative


def test_diagram_json_cannot_break_out_of_its_script_tag(client, auth, deployed):
    instance = deployed.start_instance(
        "candidate_review", username="hana", data={"note": "</script><script>alert(1)</script>"}
    )
    auth.login("hana")
    page = text(client.get(f"/instances/{instance.id}"))
    assert "<script>alert(1)" not in page


def test_history_says_who_did_what(client, auth, deployed):
    instance = review_at_interview(deployed)
    deployed.claim_task(instance.open_tasks[0].id, username="lina")
    auth.login("hana")
    page = text(client.get(f"/instances/{instance.id}"))
    history = page.split('id="history-heading"')[1]
    assert "hana started the process" in history
    assert "hana completed “Record candidate”" in history
    assert "lina claimed “Interview candidate”" in history
    assert "Jordan Lee" in history  # the recorded values


def test_instance_page_shows_data_and_open_tasks(client, auth, deployed):
    instance = review_at_interview(deployed)
    auth.login("lina")
    page = text(client.get(f"/instances/{instance.id}"))
    assert f'href="/tasks/{instance.open_tasks[0].id}">Interview candidate</a>' in page
    data = page.split('id="data-heading"')[1]
    assert "Candidate name" in data and "Jordan Lee" in data


def test_nested_process_data_reads_as_labelled_lists_not_json(client, auth, deployed):
    data = {
        "school_id": "lincoln_high",
        "start_message": {"vacancy_reference": "LHS-SRO-2", "approved": True},
        "panel": [{"interviewer": "sam"}, {"interviewer": "ada", "score": 4}],
    }
    instance = deployed.start_instance("candidate_review", username="hana", data=data)
    auth.login("hana")
    shown = text(client.get(f"/instances/{instance.id}")).split('id="data-heading"')[1]
    assert "<dt>Vacancy reference</dt><dd>LHS-SRO-2</dd>" in shown
    assert "<dt>Approved</dt><dd>Yes</dd>" in shown
    assert shown.count("<dt>Interviewer</dt>") == 2 and "<dt>Score</dt><dd>4</dd>" in shown
    assert '{"' not in shown and "&#34;" not in shown  # no JSON, raw or escaped


def test_completed_instance_shows_its_end(client, auth, deployed):
    instance = review_at_interview(deployed)
    deployed.complete_task(
        instance.open_tasks[0].id, username="lina", data={"recommendation": "recommend"}
    )
    auth.login("hana")
    page = text(client.get(f"/instances/{instance.id}"))
    assert "The process finished" in page and "No open tasks." in page
    assert diagram_data(page)["active_element_ids"] == []


def test_school_admin_of_another_school_gets_404_for_instance(client, auth, deployed):
    instance = review_at_interview(deployed, "lincoln_high", name="Secret Candidate")
    auth.login("rosa")
    response = client.get(f"/instances/{instance.id}")
    assert response.status_code == 404
    assert "Secret Candidate" not in text(response)
    assert "Secret Candidate" not in text(client.get("/instances"))


def test_instance_list_filters_by_state_and_process(client, auth, deployed):
    review_at_interview(deployed, name="Running Candidate")
    done = start_review(deployed)
    deployed.cancel_instance(done.id, username="hana")
    auth.login("hana")
    page = text(client.get("/instances"))
    assert "Running Candidate" in page and "cancelled" in page
    running = text(client.get("/instances?state=running"))
    assert "Running Candidate" in running and "state-cancelled" not in running
    assert "No instances to show" in text(client.get("/instances?process=officer_feedback"))


def test_instance_list_pages_through_what_the_school_administrator_may_see(deployed):
    """Newer instances of another school neither fill her pages nor count."""
    client = make_app(deployed, PAGE_SIZE=2).test_client()
    own = [start_review(deployed, "roosevelt_middle").id for _ in range(3)]
    for _ in range(4):
        start_review(deployed, "lincoln_high")
    AuthActions(client, deployed).login("rosa")
    first, second = (text(client.get(f"/instances?page={n}")) for n in (1, 2))
    assert "Showing 1–2 of 3 instances, newest first." in first
    assert "Showing 3–3 of 3 instances, newest first." in second
    oldest = f'href="/instances/{own[0]}"'
    assert oldest in second and oldest not in first
    assert 'href="/instances?page=2"' in first
    beyond = client.get("/instances?page=9&state=running")
    assert beyond.status_code == 302 and beyond.location.endswith("/instances?state=running&page=2")


@pytest.mark.parametrize("username", ["hana", "sam", "ada", "lina", "rosa", "otto", "root", "pat"])
def test_every_role_gets_the_instance_list(client, auth, deployed, username):
    review_at_interview(deployed)
    auth.login(username)
    assert client.get("/instances").status_code == 200


def test_unknown_instance_is_404(client, auth):
    auth.login("hana")
    assert client.get("/instances/999").status_code == 404


def test_missing_bundle_is_announced_on_the_page(deployed, tmp_path):
    from tests.webui.conftest import AuthActions

    client = make_app(deployed, ASSETS_DIR=str(tmp_path)).test_client()
    instance = start_review(deployed)
    AuthActions(client, deployed).login("hana")
    page = text(client.get(f"/instances/{instance.id}"))
    assert "The instance-diagram bundle is not built" in page
    assert "make setup" in page and 'role="alert"' in page
    assert "instance-diagram.js" not in page.split("</footer>")[1]  # no script tag to a 404
