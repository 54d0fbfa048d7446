"""Screenshots of the main pages with the SRO process library and the demo story, for
docs/webui.md and for looking at the pages.

They are written to a temporary folder on every run (so the pages render without errors),
and to docs/screenshots/ when SROFLOW_UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from webui.cli import WORKFLOWS
from webui.demo import PEOPLE, load_demo

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def shots(tmp_path):
    folder = DOCS if os.environ.get("SROFLOW_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def deployed(people):
    """Instead of the test processes: the SRO library and the demo's 20-month story."""
    load_demo(people, Path(WORKFLOWS), seed=7, with_passwords=False)
    for person in PEOPLE:
        people.update_user(person.username, display_name=person.name)
    return people


def running(service, process_id: str, subject: str):
    (instance,) = [
        i
        for i in service.list_instances(process_id=process_id, state="running")
        if i.subject == subject
    ]
    return instance


def test_screenshots_of_the_main_pages(page, live_server, deployed, sign_in, shots, console_errors):
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(f"{live_server}/login")
    page.screenshot(path=shots / "login.png")

    sign_in("lina")  # Lincoln High's principal: her inbox opens on the queue
    expect(page.get_by_role("heading", name="Tasks")).to_be_visible()
    expect(page.locator("table.tasks tbody tr")).to_have_count(3)
    page.screenshot(path=shots / "inbox.png", full_page=True)
    page.get_by_role("button", name="Sign out").click()

    sign_in("hana")  # HR records the next candidate for Washington Elementary, with slips
    (task,) = [
        t
        for t in deployed.list_tasks(username="hana", view="queue")
        if t.element_id == "record_candidate"
    ]
    page.goto(f"{live_server}/tasks/{task.id}")
    page.get_by_label("Candidate's name").fill("J")
    page.get_by_label("Years of sworn law enforcement experience").fill("61")
    page.get_by_role("button", name="Complete task").click()
    expect(page.get_by_role("alert")).to_be_visible()
    page.screenshot(path=shots / "task-form-error.png", full_page=True)

    jordan = running(deployed, "sro_selection", "Jordan Lee")  # interviews under way
    page.goto(f"{live_server}/instances/{jordan.id}")
    expect(page.locator("#diagram")).to_have_attribute("data-state", "ready")
    expect(page.locator("#diagram .djs-element.sf-active")).to_have_count(2)
    page.screenshot(path=shots / "instance.png", full_page=True)
    page.get_by_role("button", name="Sign out").click()

    sign_in("otto")  # Lincoln High's SRO: a training year, one task per course
    page.goto(f"{live_server}/inbox?view=queue")
    expect(page.get_by_text("Record training completion: ").first).to_be_visible()
    page.screenshot(path=shots / "inbox-sro.png", full_page=True)
    page.get_by_role("button", name="Sign out").click()

    sign_in("root")
    page.goto(f"{live_server}/admin/users")
    page.screenshot(path=shots / "admin-users.png", full_page=True)
    assert console_errors == []
