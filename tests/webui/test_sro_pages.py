"""Pages of the shipped SRO processes (workflows/) where the generic form rendering meets
real process data: the school picked by name, earlier answers shown with their labels, and
instances started by another process's message."""

from __future__ import annotations

import re

import pytest

from tests.webui.conftest import text
from tests.workflows.driver import WORKFLOWS, Driver
from tests.workflows.test_sro_selection import interview, record_qualified_candidate


@pytest.fixture
def driver(deployed, clock):
    deployed.deploy_files([WORKFLOWS], deployed_by="pat")
    return Driver(deployed, clock)


def test_a_start_form_asks_for_the_school_by_name(client, auth, driver):
    auth.login("hana")
    page = text(client.get("/processes/sro_selection/start"))
    assert re.search(r'<select id="field-school_id" name="school_id" required', page)
    assert '<option value="lincoln_high" >Lincoln High School</option>' in page
    school_field = page.split('id="field-school_id"')[0].rsplit('<div class="field', 1)[1]
    assert "characters" not in school_field  # no length hint for a choice from a list
    response = client.post(
        "/processes/sro_selection/start",
        data={"school_id": "roosevelt_middle", "vacancy_reference": "", "vacancy_reason": ""},
    )
    assert response.status_code == 302
    (instance,) = driver.instances("sro_selection")
    assert instance.school_id == "roosevelt_middle"


def test_earlier_answers_show_labels_and_school_names(client, auth, driver):
    instance = record_qualified_candidate(driver)
    interview(driver, instance, school="recommend_with_reservations")
    task = driver.task("ada", "decide_selection", instance)
    auth.login("ada")
    page = text(client.get(f"/tasks/{task.id}"))

    form = page.split('class="task-form"')[1].split("</section>")[0]
    assert re.search(
        r'id="field-school_id" name="school_id" disabled[^>]*value="Lincoln High', form
    )
    assert re.search(
        r'id="field-admin_recommendation"[^>]*disabled[^>]*value="Recommend with reservations"',
        form,
    )
    panel = page.split("What earlier steps recorded")[1].split("</aside>")[0]
    recorded, everything = panel.split("All process data")
    assert "<dt>Years of sworn law enforcement experience</dt><dd>5</dd>" in recorded
    assert "<dt>Communication skills (spoken and written)</dt><dd>Good</dd>" in recorded
    assert "School administration recommends" not in recorded  # the form shows it
    assert "Basic course deadline" not in recorded and "Basic course deadline" in everything


def test_an_instance_started_by_a_message_names_the_one_that_sent_it(client, auth, driver):
    selection = record_qualified_candidate(driver)
    interview(driver, selection)
    driver.complete(
        "ada", "decide_selection", selection, selection_decision="select", decision_reason="Yes."
    )
    driver.complete("hana", "assign_officer", selection, assignment_start="2026-10-01")
    (probation,) = driver.instances("sro_probation")
    auth.login("hana")
    page = text(client.get(f"/instances/{probation.id}"))

    link = f'<a href="/instances/{selection}">'
    assert f"from {link}#{selection}</a>" in page  # in the facts, instead of a starter
    history = page.split('id="history-heading"')[1]
    assert f"Started by the message “Start SRO probation” from {link}instance #" in history
    assert "hana started the process" not in history
