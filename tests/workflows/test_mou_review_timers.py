"""MOU review over the years: each year's review is a new instance.

This needs the engine's timers (`fire_due_timers`) and message starts.
"""

from __future__ import annotations

from tests.workflows.test_mou_review import prepare, review_round


def test_next_years_review_starts_a_year_after_the_last(driver):
    instance = prepare(driver)
    review_round(driver, instance)

    driver.pass_time(days=364)
    assert len(driver.instances("mou_review")) == 1
    driver.pass_time(days=1)

    assert driver.instance(instance).state == "completed"
    first, following = driver.instances("mou_review")
    assert following.data["review_year"] == 2027
    assert following.subject == "MOU review 2027"
    assert driver.inbox_elements("hana", following.id) == ["prepare_mou"]
