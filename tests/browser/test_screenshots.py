"""Screenshots of the main pages, for docs/webui.md and for looking at the pages.

They are written to a temporary folder on every run (so the pages render without errors),
and to docs/screenshots/ when SROFLOW_UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.webui.conftest import review_at_interview, start_feedback, start_review
from webui.demo import PEOPLE

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def shots(tmp_path):
    folder = DOCS if os.environ.get("SROFLOW_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def busy(deployed, clock):
    """A few instances at different stages, one of them overdue."""
    for name in ("Maria Hernandez", "Devon Brooks"):
        review_at_interview(deployed, "lincoln_high", name=name)
    start_feedback(deployed, officer="Otto Reyes")
    clock.advance(days=4)
    start_feedback(deployed, officer="Keisha Carter")
    review_at_interview(deployed, "roosevelt_middle", name="Caleb Nguyen")
    start_review(deployed)
    for username, name, _roles, _schools in PEOPLE:
        deployed.update_user(username, display_name=name)
    return deployed


def test_screenshots_of_the_main_pages(page, live_server, busy, sign_in, shots, console_errors):
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(f"{live_server}/login")
    page.screenshot(path=shots / "login.png")

    sign_in("lina")
    page.goto(f"{live_server}/inbox?view=queue")
    expect(page.locator("tr.overdue")).to_have_count(1)
    page.screenshot(path=shots / "inbox.png", full_page=True)
    page.get_by_role("button", name="Sign out").click()

    sign_in("hana")
    task = busy.list_tasks(username="hana", view="queue", process_id="candidate_review")[0]
    page.goto(f"{live_server}/tasks/{task.id}")
    page.get_by_label("Candidate name").fill("J")
    page.get_by_label("Years of sworn experience").fill("41")
    page.get_by_role("button", name="Complete task").click()
    expect(page.get_by_role("alert")).to_be_visible()
    page.screenshot(path=shots / "task-form-error.png", full_page=True)

    instance = review_at_interview(busy, "lincoln_high", name="Jordan Lee")
    page.goto(f"{live_server}/instances/{instance.id}")
    expect(page.locator("#diagram")).to_have_attribute("data-state", "ready")
    page.screenshot(path=shots / "instance.png", full_page=True)
    page.get_by_role("button", name="Sign out").click()

    sign_in("root")
    page.goto(f"{live_server}/admin/users")
    page.screenshot(path=shots / "admin-users.png", full_page=True)
    assert console_errors == []
