"""The task page: the generated form, validation next to fields with values kept,
completing, claim / unclaim / reassign, and school scoping (404, never data)."""

from __future__ import annotations

import re

import pytest

from tests.webui.conftest import GOOD_CANDIDATE, review_at_interview, start_feedback, start_review
from tests.webui.conftest import text as page_text


def feedback_task(deployed, school_id="lincoln_high"):
    return start_feedback(deployed, school_id).open_tasks[0]


def test_form_has_an_input_of_the_right_kind_for_each_field(client, auth, deployed):
    task = feedback_task(deployed)
    auth.login("lina")
    page = page_text(client.get(f"/tasks/{task.id}"))
    assert re.search(r'<select id="field-rating" name="rating" required aria-required="true"', page)
    assert '<option value="meets" >Meets expectations</option>' in page
    assert re.search(r'<textarea id="field-comments" name="comments"[^>]*maxlength="500"', page)
    assert re.search(r'<input type="number"[^>]*id="field-visits"[^>]*min="0" max="50"', page)
    assert re.search(r'<input type="date"[^>]*id="field-met_on"[^>]*min="2026-01-01"', page)
    assert re.search(r'<input type="checkbox" id="field-follow_up" name="follow_up"', page)
    for field_id in ("rating", "comments", "visits", "met_on", "follow_up", "officer_name"):
        assert f'<label for="field-{field_id}">' in page
    assert "(required)" in page  # the marker for screen readers, beside the visible *
    assert "Examples help: a situation" in page  # help text
    assert "Tell the supervisor how the officer works" in page  # documentation


def test_readonly_field_is_shown_disabled_with_the_current_value(client, auth, deployed):
    task = feedback_task(deployed)
    auth.login("lina")
    page = page_text(client.get(f"/tasks/{task.id}"))
    assert re.search(
        r'<input type="text" id="field-officer_name" name="officer_name" disabled', page
    )
    assert 'value="Otto Reyes"' in page


def test_boolean_default_ticks_the_checkbox(client, auth, deployed):
    task = feedback_task(deployed)
    auth.login("lina")
    page = page_text(client.get(f"/tasks/{task.id}"))
    assert re.search(r'name="follow_up" value="true"\s+checked', page)


def test_earlier_steps_panel_shows_what_people_entered_under_form_labels(client, auth, deployed):
    instance = review_at_interview(deployed, name="Maria Hernandez")
    auth.login("lina")
    page = page_text(client.get(f"/tasks/{instance.open_tasks[0].id}"))
    panel = page.split("What earlier steps recorded")[1].split("</aside>")[0]
    recorded, everything = panel.split("All process data")
    assert "Candidate name" in recorded and "Maria Hernandez" in recorded
    assert "Years of sworn experience" in recorded and "Youth engagement shown" in recorded
    assert "<dd>Good</dd>" in recorded  # an option's label, not its id
    assert "<dd>Lincoln High School</dd>" in recorded  # the start's school, by name
    # A script's working value is no one's answer: only under "All process data".
    assert "Qualified" not in recorded and "Qualified" in everything


def test_refused_form_shows_messages_next_to_fields_and_keeps_values(client, auth, deployed):
    task = start_review(deployed).open_tasks[0]
    auth.login("hana")
    data = {"candidate_name": "J", "years_experience": "99", "basic_course_date": "2014-02-03"}
    response = client.post(f"/tasks/{task.id}", data=data)
    assert response.status_code == 422
    page = page_text(response)
    assert "Please correct 3 fields" in page
    assert (
        '<a href="#field-candidate_name">Candidate name must be at least 2 characters</a>' in page
    )
    assert 'id="field-years_experience-error"' in page
    assert "Years of sworn experience must be at most 40" in page
    assert "Communication skills is required" in page
    assert 'value="J"' in page and 'value="99"' in page and 'value="2014-02-03"' in page
    assert re.search(r'id="field-candidate_name"[^>]*aria-invalid="true"', page)
    assert deployed.get_task(task.id, username="hana").state == "ready"


def test_completing_redirects_to_the_inbox_with_a_confirmation(client, auth, deployed):
    task = start_review(deployed).open_tasks[0]
    auth.login("hana")
    response = client.post(f"/tasks/{task.id}", data=GOOD_CANDIDATE)
    assert response.status_code == 302 and response.location == "/inbox?view=mine"
    assert "Completed “Record candidate” for Jordan Lee." in page_text(client.get("/inbox"))
    done = deployed.get_task(task.id, username="hana")
    assert done.state == "completed" and done.completed_by == "hana"


def test_unticked_checkbox_is_sent_as_false(client, auth, deployed):
    task = feedback_task(deployed)
    auth.login("lina")
    client.post(f"/tasks/{task.id}", data={"rating": "meets"})  # follow_up left unticked
    instance = deployed.get_instance(task.instance_id)
    assert instance.data["follow_up"] is False
    assert instance.data["rating"] == "meets"
    assert instance.data["officer_name"] == "Otto Reyes"  # the read-only field kept


def test_completed_task_page_says_who_completed_it(client, auth, deployed):
    instance = review_at_interview(deployed)
    auth.login("hana")
    first = deployed.list_tasks(username="hana", view="completed")[0]
    page = page_text(client.get(f"/tasks/{first.id}"))
    assert "This task is completed" in page and "Completed by hana" in page
    assert "Complete task" not in page
    assert instance.id == first.instance_id


def test_school_admin_of_another_school_gets_404_and_no_data(client, auth, deployed):
    instance = review_at_interview(deployed, "lincoln_high", name="Secret Candidate")
    task_id = instance.open_tasks[0].id
    auth.login("rosa")
    for response in (
        client.get(f"/tasks/{task_id}"),
        client.post(f"/tasks/{task_id}", data={"recommendation": "recommend"}),
        client.post(f"/tasks/{task_id}/claim"),
    ):
        assert response.status_code == 404
        assert "Secret Candidate" not in page_text(response)
        assert "belongs to a school you do not work for" in page_text(response)
    assert deployed.get_task(task_id, username="lina").state == "ready"


def test_unknown_task_is_404(client, auth):
    auth.login("hana")
    assert client.get("/tasks/no-such-task").status_code == 404


def test_claim_and_unclaim_go_back_where_they_came_from(client, auth, deployed):
    task = start_review(deployed).open_tasks[0]
    auth.login("hana")
    response = client.post(f"/tasks/{task.id}/claim", data={"next": "/inbox?view=queue"})
    assert response.location == "/inbox?view=queue"
    assert deployed.get_task(task.id, username="hana").assignee == "hana"
    assert "You claimed “Record candidate”" in page_text(client.get("/inbox"))
    response = client.post(f"/tasks/{task.id}/unclaim")
    assert response.location == f"/tasks/{task.id}"
    assert deployed.get_task(task.id, username="hana").assignee is None


def test_claiming_a_task_someone_else_claimed_is_a_conflict(client, auth, deployed):
    task = review_at_interview(deployed).open_tasks[0]
    deployed.add_user("lena", roles=["school_admin"], schools=["lincoln_high"])
    deployed.claim_task(task.id, username="lena")
    auth.login("lina")
    response = client.post(f"/tasks/{task.id}/claim")
    assert response.status_code == 409
    assert "already claimed by lena" in page_text(response)
    page = page_text(client.get(f"/tasks/{task.id}"))
    assert "lena has claimed this task" in page and "Complete task" not in page


def test_hr_reassigns_a_task_to_a_user_who_may_work_it(client, auth, deployed):
    task = review_at_interview(deployed).open_tasks[0]
    auth.login("hana")
    page = page_text(client.get(f"/tasks/{task.id}"))
    picker = page.split('id="reassign-to"')[1].split("</select>")[0]
    assert 'value="lina"' in picker and 'value="rosa"' not in picker  # rosa: other school
    response = client.post(f"/tasks/{task.id}/reassign", data={"to": "lina"})
    assert response.status_code == 302
    assert deployed.get_task(task.id, username="lina").assignee == "lina"


def test_reassigning_to_someone_who_may_not_work_it_is_forbidden(client, auth, deployed):
    task = review_at_interview(deployed).open_tasks[0]
    auth.login("hana")
    assert client.post(f"/tasks/{task.id}/reassign", data={"to": "rosa"}).status_code == 403


@pytest.mark.parametrize("username", ["lina", "sam"])
def test_only_hr_and_admins_may_reassign(client, auth, deployed, username):
    task = review_at_interview(deployed).open_tasks[0]
    auth.login(username)
    assert client.post(f"/tasks/{task.id}/reassign", data={"to": "lina"}).status_code == 403


def test_hr_sees_a_school_admins_task_without_a_form_to_complete(client, auth, deployed):
    task = review_at_interview(deployed).open_tasks[0]
    auth.login("hana")
    page = page_text(client.get(f"/tasks/{task.id}"))
    assert "it is for School administrator at Lincoln High School" in page
    assert "Complete task" not in page and 'id="reassign-to"' in page
    response = client.post(f"/tasks/{task.id}", data={"recommendation": "recommend"})
    assert response.status_code == 403
