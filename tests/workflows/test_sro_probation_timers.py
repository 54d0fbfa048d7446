"""SRO probation with time passing and the processes it starts.

These need the engine's timers (`fire_due_timers`) and message starts.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.workflows.test_sro_probation import review

OFFICER = {"officer_id": "otto", "officer_name": "Olivia Ortiz", "school_id": "lincoln_high"}


def start_reviews(driver) -> int:
    """A probation with the program default length (six months), run until its end."""
    instance = driver.start("sro_probation", **OFFICER, assignment_start="2026-09-01")
    driver.pass_time(days=181)  # 2026-09-01 + P6M = 2027-03-01
    return instance


def test_reviews_start_when_the_default_six_months_run_out(driver):
    instance = driver.start("sro_probation", **OFFICER, assignment_start="2026-09-01")
    assert driver.data(instance)["probation_length"] == "P6M"
    assert driver.open_elements(instance) == ["probation_period_ends"]

    driver.pass_time(days=180)
    assert driver.inbox("sam", instance) == []
    driver.pass_time(days=1)
    assert driver.inbox_elements("sam", instance) == ["probationary_review"]
    assert driver.inbox_elements("lina", instance) == ["administrator_probation_input"]


def test_administrator_input_is_due_after_the_default_fourteen_days(driver):
    instance = start_reviews(driver)

    task = driver.task("lina", "administrator_probation_input", instance)
    assert task.due_at == datetime(2027, 3, 15, 8, 0, tzinfo=UTC)


def test_review_goes_on_without_administrator_input_and_says_so(driver):
    instance = start_reviews(driver)
    driver.complete(
        "sam",
        "probationary_review",
        instance,
        supervisor_assessment="meets_expectations",
        supervisor_review_notes="Fine.",
        supervisor_recommendation="confirm",
    )
    assert driver.inbox("ada", instance) == []

    driver.pass_time(days=14)

    assert driver.inbox("lina", instance) == []
    decision = driver.task_form("ada", "decide_probation", instance)
    assert decision.data["administrator_input"] == "none_received"
    assert "No input" in decision.data["administrator_comments"]


def test_extension_waits_for_the_new_length(driver):
    instance = start_reviews(driver)
    review(driver, instance, recommendation="extend")
    driver.complete(
        "ada",
        "decide_probation",
        instance,
        probation_decision="extend",
        extension_length="P3M",
        decision_reason="Three more months.",
    )

    assert driver.inbox("sam", instance) == []
    driver.pass_time(days=93)  # 2027-03-01 + P3M = 2027-06-01
    assert driver.inbox_elements("sam", instance) == ["probationary_review"]


def test_confirmation_starts_the_evaluation_cycle(driver):
    instance = start_reviews(driver)
    review(driver, instance)
    driver.complete(
        "ada", "decide_probation", instance, probation_decision="confirm", decision_reason="Fit."
    )

    (evaluation,) = driver.instances("sro_evaluation", officer_id="otto")
    assert evaluation.school_id == "lincoln_high"
    assert evaluation.subject == "Olivia Ortiz"
    assert evaluation.data["evaluation_number"] == 1
    assert driver.open_elements(evaluation.id) == ["evaluation_due"]


def test_removal_opens_the_position_again(driver):
    instance = start_reviews(driver)
    review(driver, instance, recommendation="remove")
    driver.complete(
        "ada",
        "decide_probation",
        instance,
        probation_decision="remove",
        decision_reason="Not a proper fit.",
    )

    (vacancy,) = driver.instances("sro_selection", school_id="lincoln_high")
    assert "Not a proper fit." in vacancy.data["vacancy_reason"]
    assert driver.inbox_elements("hana", vacancy.id) == ["record_candidate"]


def test_extension_beyond_a_few_continues_in_a_new_instance(driver):
    instance = start_reviews(driver)
    for length in ("P1M", "P1M", "P2M"):
        review(driver, instance, recommendation="extend")
        driver.complete(
            "ada",
            "decide_probation",
            instance,
            probation_decision="extend",
            extension_length=length,
            decision_reason="More time.",
        )
        driver.pass_time(days=31)

    assert driver.instance(instance).state == "completed"
    first, continued = driver.instances("sro_probation", officer_id="otto")
    assert first.id == instance
    assert continued.data["extension_count"] == 3
    assert continued.data["probation_length"] == "P2M"
    assert driver.open_elements(continued.id) == ["probation_period_ends"]
