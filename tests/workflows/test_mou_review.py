"""MOU review without waiting: both parties sign off, or changes go round a bounded number
of revisions."""

from __future__ import annotations

MOU = {"mou_reference": "Agency-district SRO MOU 2025", "review_year": 2026}


def prepare(driver) -> int:
    instance = driver.start("mou_review", **MOU)
    driver.complete(
        "hana",
        "prepare_mou",
        instance,
        mou_document="https://intranet.example/mou-2025.pdf",
        changes_proposed="None.",
    )
    return instance


def review_round(driver, instance, *, agency="sign_off", district="sign_off") -> None:
    driver.complete(
        "ada",
        "agency_review",
        instance,
        agency_decision=agency,
        agency_change_requests="Clarify hours." if agency != "sign_off" else None,
    )
    driver.complete(
        "rosa",
        "district_review",
        instance,
        district_decision=district,
        district_change_requests="Add FERPA wording." if district != "sign_off" else None,
    )


def test_agency_and_district_review_in_parallel(driver):
    instance = prepare(driver)

    assert driver.inbox_elements("ada", instance) == ["agency_review"]
    assert driver.inbox_elements("lina", instance) == ["district_review"]
    assert driver.inbox_elements("rosa", instance) == ["district_review"]
    assert driver.instance(instance).subject == "MOU review 2026"


def test_both_sign_off_and_the_next_review_is_scheduled(driver):
    instance = prepare(driver)
    review_round(driver, instance)

    data = driver.data(instance)
    assert data["mou_status"] == "signed"
    assert data["signed_on"] == "2026-09-01"
    assert driver.open_elements(instance) == ["next_review_due"]


def test_requested_changes_are_revised_and_reviewed_again(driver):
    instance = prepare(driver)
    review_round(driver, instance, district="request_changes")

    revise = driver.task_form("hana", "revise_mou", instance)
    assert revise.data["district_change_requests"] == "Add FERPA wording."
    driver.complete(
        "hana",
        "revise_mou",
        instance,
        mou_document="https://intranet.example/mou-2026.pdf",
        revision_notes="FERPA added.",
    )
    review_round(driver, instance)

    data = driver.data(instance)
    assert data["revision_round"] == 1
    assert data["mou_status"] == "signed"


def test_disagreement_beyond_the_allowed_rounds_is_recorded_as_an_impasse(driver):
    instance = prepare(driver)
    for _ in range(2):
        review_round(driver, instance, agency="request_changes")
        driver.complete(
            "hana", "revise_mou", instance, mou_document="v-next", revision_notes="Tried."
        )
    review_round(driver, instance, agency="request_changes")

    assert driver.inbox_elements("hana", instance) == ["record_impasse"]
    driver.complete(
        "hana", "record_impasse", instance, impasse_notes="Escalated to the superintendent."
    )
    data = driver.data(instance)
    assert data["revision_round"] == 3
    assert "mou_status" not in data
    assert driver.open_elements(instance) == ["next_review_due"]
