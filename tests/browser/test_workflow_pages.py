"""End to end in chromium: HR starts a process and completes a task (after a validation
error); a school administrator sees only their school and completes an interview; the
instance page draws the diagram with the current task marked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.webui.conftest import review_at_interview

pytestmark = pytest.mark.browser


def test_hr_starts_a_process_and_completes_a_task(page, live_server, sign_in, console_errors):
    sign_in("hana")
    page.get_by_role("link", name="Start a process").click()
    page.get_by_role("link", name="Start Candidate review").click()
    page.get_by_label("School").select_option("lincoln_high")
    page.get_by_role("button", name="Start process").click()
    expect(page.get_by_text("Started “Candidate review”")).to_be_visible()
    expect(page.locator("#diagram")).to_have_attribute("data-state", "ready")

    page.get_by_role("link", name=re.compile(r"^Queue")).click()
    page.get_by_role("link", name="Record candidate", exact=True).click()
    page.get_by_label("Candidate name").fill("J")
    page.get_by_label("Years of sworn experience").fill("99")
    page.get_by_role("button", name="Complete task").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Candidate name must be at least 2 characters")
    expect(summary).to_contain_text("Communication skills is required")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Candidate name")).to_have_value("J")
    expect(page.get_by_label("Years of sworn experience")).to_have_value("99")

    page.get_by_label("Candidate name").fill("Jordan Lee")
    page.get_by_label("Years of sworn experience").fill("6")
    page.get_by_label("Youth engagement shown").check()
    page.get_by_label("Basic SRO course completed on").fill("2015-06-01")
    page.get_by_label("Communication skills").select_option("good")
    expect(page.get_by_label("Case reference")).to_be_disabled()
    page.get_by_role("button", name="Complete task").click()

    expect(page).to_have_url(f"{live_server}/inbox?view=mine")
    expect(page.get_by_text("Completed “Record candidate” for Jordan Lee.")).to_be_visible()
    assert console_errors == []


def test_school_admin_sees_own_school_and_completes_interview(
    page, live_server, deployed, sign_in, console_errors
):
    review_at_interview(deployed, "lincoln_high", name="Maria Hernandez")
    review_at_interview(deployed, "roosevelt_middle", name="Devon Brooks")
    sign_in("lina")
    page.goto(f"{live_server}/inbox?view=queue")
    table = page.locator("table.tasks")
    expect(table).to_contain_text("Maria Hernandez")
    expect(table).not_to_contain_text("Devon Brooks")

    page.get_by_role("link", name="Interview candidate", exact=True).click()
    expect(page.get_by_text("What earlier steps recorded")).to_be_visible()
    page.get_by_label("Recommendation").select_option("recommend")
    page.get_by_role("button", name="Complete task").click()
    expect(page.get_by_text("Completed “Interview candidate” for Maria Hernandez.")).to_be_visible()
    page.goto(f"{live_server}/inbox?view=completed")
    expect(page.locator("table.tasks")).to_contain_text("Maria Hernandez")
    assert console_errors == []


def test_keyboard_reaches_the_forms_controls_with_visible_focus(
    page, live_server, deployed, sign_in
):
    instance = review_at_interview(deployed)
    sign_in("lina")
    page.goto(f"{live_server}/tasks/{instance.open_tasks[0].id}")
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    select = page.get_by_label("Recommendation")
    select.focus()
    outline = select.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline == "solid"


def test_instance_page_marks_the_current_task(page, live_server, deployed, sign_in, console_errors):
    instance = review_at_interview(deployed)
    sign_in("hana")
    page.goto(f"{live_server}/instances/{instance.id}")
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-state", "ready")
    expect(diagram.locator('[data-element-id="interview"]')).to_have_class(re.compile("sf-active"))
    expect(diagram.locator('[data-element-id="record_candidate"]')).to_have_class(
        re.compile("sf-completed")
    )
    expect(page.locator("#layout-note")).to_be_visible()  # this process has no drawn layout
    expect(diagram.locator("svg[role=img]").first).to_have_attribute(
        "aria-label", re.compile("Waiting at: Interview candidate")
    )
    assert console_errors == []


def test_drawn_process_keeps_its_own_layout(page, live_server, deployed, sign_in):
    instance = deployed.start_instance(
        "officer_feedback",
        username="hana",
        data={"officer_name": "Otto Reyes", "school_id": "lincoln_high"},
    )
    sign_in("hana")
    page.goto(f"{live_server}/instances/{instance.id}")
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-state", "ready")
    expect(diagram.locator('[data-element-id="give_feedback"]')).to_have_class(
        re.compile("sf-active")
    )
    expect(page.locator("#layout-note")).to_be_hidden()
