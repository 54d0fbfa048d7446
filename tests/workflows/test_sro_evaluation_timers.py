"""SRO evaluation with time passing: the yearly cycle, the feedback due date and its
reminder, the improvement plan's follow-up, and the processes a result starts.

These need the engine's timers (`fire_due_timers`) and message starts.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.workflows.test_sro_evaluation import MEETS, OFFICER, evaluate


def request_feedback(driver) -> int:
    instance = driver.start("sro_evaluation", **OFFICER, evaluation_starts_in="P0D")
    driver.complete("sam", "request_administrator_feedback", instance)
    return instance


def test_evaluation_starts_after_the_default_yearly_interval(driver):
    instance = driver.start("sro_evaluation", **OFFICER)

    assert driver.data(instance)["evaluation_interval"] == "P1Y"
    driver.pass_time(days=364)
    assert driver.inbox("sam", instance) == []
    driver.pass_time(days=1)  # 2026-09-01 + P1Y = 2027-09-01
    assert driver.inbox_elements("sam", instance) == ["request_administrator_feedback"]


def test_feedback_is_due_in_fourteen_days_and_reminded_after_ten(driver):
    instance = request_feedback(driver)
    task = driver.task("lina", "give_evaluation_feedback", instance)
    assert task.due_at == datetime(2026, 9, 15, 8, 0, tzinfo=UTC)

    driver.pass_time(days=10)

    assert driver.inbox_elements("lina", instance) == ["give_evaluation_feedback"]
    reminders = driver.service.list_notifications(username="lina")
    assert any(n.kind == "due_soon" and n.task_id == task.id for n in reminders)


def test_evaluation_goes_on_without_feedback_and_records_that(driver):
    instance = request_feedback(driver)
    driver.pass_time(days=14)

    assert driver.inbox("lina", instance) == []
    rating = driver.task_form("sam", "rate_officer", instance)
    assert rating.data["administrator_feedback"] == "none_received"
    driver.complete("sam", "rate_officer", instance, **MEETS, supervisor_comments="Good year.")
    driver.complete("otto", "acknowledge_evaluation", instance, officer_acknowledged=True)

    record = driver.instance(instance)
    assert record.data["evaluation_outcome"] == "favorable"
    assert record.data["administrator_feedback"] == "none_received"


def test_favorable_evaluation_starts_the_next_cycle_a_year_later(driver):
    instance = evaluate(driver)

    first, following = driver.instances("sro_evaluation", officer_id="otto")
    assert first.id == instance
    assert following.data["evaluation_number"] == 2
    assert driver.open_elements(following.id) == ["evaluation_due"]
    driver.pass_time(days=365)
    assert driver.inbox_elements("sam", following.id) == ["request_administrator_feedback"]


def follow_up(driver, result: str) -> int:
    instance = evaluate(driver, overall_rating="needs_improvement")
    driver.complete("sam", "write_improvement_plan", instance, improvement_plan="Mentoring.")
    driver.pass_time(days=89)
    assert driver.inbox("sam", instance) == []
    driver.pass_time(days=1)
    driver.complete(
        "sam", "follow_up_review", instance, follow_up_result=result, follow_up_notes="Reviewed."
    )
    return instance


def test_improvement_after_the_ninety_day_follow_up_retains_the_officer(driver):
    instance = follow_up(driver, "improved")

    assert driver.data(instance)["evaluation_result"] == "retained after improvement"
    assert len(driver.instances("sro_evaluation", officer_id="otto")) == 2


def test_no_improvement_leads_to_removal_and_a_new_vacancy_for_the_school(driver):
    instance = follow_up(driver, "not_improved")
    driver.complete("sam", "recommend_removal", instance, removal_reasons="No progress.")
    driver.complete(
        "ada",
        "decide_removal",
        instance,
        removal_decision="remove",
        removal_decision_reason="No progress after the plan.",
    )

    assert driver.data(instance)["evaluation_result"] == "removed"
    (vacancy,) = driver.instances("sro_selection", school_id="lincoln_high")
    assert vacancy.data["previous_officer_id"] == "otto"
    assert "No progress after the plan." in vacancy.data["vacancy_reason"]
    assert driver.inbox_elements("hana", vacancy.id) == ["record_candidate"]
    assert len(driver.instances("sro_evaluation", officer_id="otto")) == 1
