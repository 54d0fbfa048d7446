"""Demo data: people with working passwords, deployed processes, instances at several
stages; and generated form values that the engine accepts."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from engine import FieldOption, FormField
from tests.webui.conftest import CANDIDATE_REVIEW, OFFICER_FEEDBACK
from webui.demo import PEOPLE, SCHOOLS, load_demo, print_result
from webui.demo_values import fill_form


def test_demo_creates_people_processes_and_instances_at_several_stages(service):
    result = load_demo(service, CANDIDATE_REVIEW, seed=7)
    assert {s.id for s in service.list_schools()} == {school_id for school_id, _ in SCHOOLS}
    assert set(result.passwords) == {username for username, *_ in PEOPLE}
    assert service.check_password("lina", result.passwords["lina"]).schools == ("lincoln_high",)
    assert result.deployed == ["candidate_review v1"]
    instances = service.list_instances()
    assert len(instances) == 4
    histories = [len(service.get_instance(i.id).history) for i in instances]
    assert len(set(histories)) > 1  # not all at the same stage
    assert any(i.open_tasks for i in instances)


def test_demo_deploys_a_whole_folder(service, tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "candidate_review.bpmn").write_text(CANDIDATE_REVIEW.read_text())
    (tmp_path / "officer_feedback.bpmn").write_text(OFFICER_FEEDBACK.read_text())
    (tmp_path / "README.md").write_text("not a process")
    result = load_demo(service, tmp_path, seed=1)
    assert sorted(result.deployed) == ["candidate_review v1", "officer_feedback v1"]
    feedback = service.list_instances(process_id="officer_feedback")
    assert len(feedback) == 4 and all(i.subject for i in feedback)


def test_demo_keeps_existing_users_and_says_so(people, tmp_path):
    result = load_demo(people, tmp_path, seed=1)
    assert "hana" not in result.passwords and "washington_elementary" in {
        s.id for s in people.list_schools()
    }
    assert any("no .bpmn or .dmn files" in note for note in result.notes)
    assert any("user hana exists already" in note for note in result.notes)


def test_passwords_are_printed_once_with_names(service):
    lines = []
    print_result(load_demo(service, CANDIDATE_REVIEW, seed=3), lines.append)
    assert lines[0].startswith("Demo users")
    assert any(line.strip().startswith("rosa ") and "Rosa Delgado" in line for line in lines)


FIELDS = (
    FormField("candidate_name", "Candidate", "string", required=True, minlength=2, maxlength=12),
    FormField("notes", "Notes", "string", multiline=True, maxlength=20),
    FormField("code", "Code", "string", required=True, minlength=30),
    FormField("length", "Length", "string", help="An ISO duration; empty for the default"),
    FormField(
        "rank", "Rank", "enum", default="b", options=(FieldOption("a", "A"), FieldOption("b", "B"))
    ),
    FormField("years", "Years", "long", min=3, max=5),
    FormField("open_ended", "Count", "long", min=100),
    FormField("day", "Day", "date", min="2026-01-01", max="2026-01-31"),
    FormField("since", "Since", "date", min="2027-01-01"),
    FormField("ok", "OK", "boolean"),
    FormField("level", "Level", "enum", options=(FieldOption("a", "A"), FieldOption("b", "B"))),
    FormField("ref", "Ref", "string", readonly=True, default="X"),
)


@pytest.mark.parametrize("seed", range(20))
def test_generated_values_fit_the_constraints(seed):
    values = fill_form(FIELDS, random.Random(seed), datetime(2026, 9, 1, tzinfo=UTC))
    assert "ref" not in values
    assert 2 <= len(values["candidate_name"]) <= 12
    assert len(values["notes"]) <= 20 and len(values["code"]) >= 30
    assert 3 <= values["years"] <= 5 and values["open_ended"] >= 100
    assert "2026-01-01" <= values["day"] <= "2026-01-31"
    assert values["since"] == "2027-01-01"  # min after today: the earliest allowed day
    assert isinstance(values["ok"], bool) and values["level"] in ("a", "b")
    assert values["length"] == ""  # optional one-line text: left empty
    assert values["rank"] == "b"  # the default


def test_known_values_win_when_they_fit():
    level = next(f for f in FIELDS if f.id == "level")
    assert fill_form([level], random.Random(1), datetime.now(UTC), {"level": "b"}) == {"level": "b"}
    chosen = fill_form([level], random.Random(1), datetime.now(UTC), {"level": "zzz"})
    assert chosen["level"] in ("a", "b")
