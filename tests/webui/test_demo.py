"""Demo data: people with working passwords, the SRO library deployed and a story played up
to today, so every role has work; generated form values that the engine accepts."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from engine import EngineService, FieldOption, FixedClock, FormField
from tests.webui.conftest import CANDIDATE_REVIEW, OFFICER_FEEDBACK
from webui.cli import WORKFLOWS
from webui.demo import PEOPLE, SCHOOLS, DemoResult, load_demo, print_result
from webui.demo_values import fill_form


def waiting_at(service, process_id: str, subject: str) -> list[str]:
    """The open tasks of the running instance about `subject`, as element ids."""
    (instance,) = [
        i
        for i in service.list_instances(process_id=process_id, state="running", limit=100)
        if i.subject == subject
    ]
    return sorted(t.element_id for t in service.get_instance(instance.id).open_tasks)


def test_demo_plays_the_sro_story_up_to_today(service, clock):
    today = clock.now()
    result = load_demo(service, WORKFLOWS, seed=7)

    assert clock.now() == today  # the story ends where the clock stood
    assert {s.id for s in service.list_schools()} == {school_id for school_id, _ in SCHOOLS}
    assert set(result.passwords) == {p.username for p in PEOPLE}
    assert service.check_password("lina", result.passwords["lina"]).schools == ("lincoln_high",)
    assert sorted(result.deployed) == [
        "mou_review v1",
        "sro_evaluation v1",
        "sro_probation v1",
        "sro_selection v1",
        "sro_training v1",
    ]
    assert result.notes == []
    # Candidates at every stage of a selection, each school's administrator interviewing.
    assert waiting_at(service, "sro_selection", "Marcus Carter") == ["schedule_interviews"]
    assert waiting_at(service, "sro_selection", "Jordan Lee") == [
        "interview_school_admin",
        "score_candidate",
    ]
    assert waiting_at(service, "sro_selection", "Priya Patel") == [
        "interview_school_admin",
        "score_candidate",
    ]
    assert waiting_at(service, "sro_selection", "Devon Okafor") == ["decide_selection"]
    outcomes = {
        i.subject: i.data.get("selection_outcome")
        for i in service.list_instances(process_id="sro_selection", state="completed")
    }
    assert outcomes == {
        "Otto Reyes": "selected",
        "Maya Chen": "selected",
        "Derek Sullivan": "not_selected",
        "Nate Newman": "not_qualified",
    }
    # The officers' later processes, started by messages and timers along the way.
    assert waiting_at(service, "sro_probation", "Maya Chen") == [
        "administrator_probation_input",
        "probationary_review",
    ]
    assert waiting_at(service, "sro_evaluation", "Otto Reyes") == ["give_evaluation_feedback"]
    otto_training = service.list_instances(business_key="otto", process_id="sro_training")
    assert sorted((i.data["training_year"], i.state) for i in otto_training) == [
        (1, "completed"),
        (2, "running"),
    ]
    assert len(waiting_at(service, "sro_training", "Maya Chen")) == 4  # one of five recorded
    (mou,) = service.list_instances(process_id="mou_review", state="running")
    assert mou.data["review_year"] == today.year
    sam_open = {t.id for t in service.list_tasks(username="sam")}
    # Every role that works tasks has some, and nothing waits for a moment already past.
    for person in PEOPLE:
        if set(person.roles) & {"process_owner", "admin"}:
            continue
        assert service.list_tasks(username=person.username), person.username
    assert service.list_instances(state="error") == []
    unread = service.list_notifications(username="sam", unread_only=True)
    assert unread and all(n.task_id in sam_open for n in unread)
    assert all(t.due_at > today for t in service.list_timers() if t.state == "waiting")
    started = min(i.started_at for i in service.list_instances(limit=100))
    assert (today - started).days > 500  # the story is played, not faked: it took 20 months


def test_the_same_seed_tells_the_same_story(tmp_path):
    def story(name: str):
        clock = FixedClock(datetime(2027, 2, 10, 9, 30, tzinfo=UTC))
        service = EngineService(f"sqlite:///{tmp_path / name}", clock=clock)
        service.upgrade_database()
        load_demo(service, WORKFLOWS, seed=11, with_passwords=False)
        instances = sorted(service.list_instances(limit=100), key=lambda i: i.id)
        told = [(i.process_id, i.state, i.subject, i.data, i.started_at) for i in instances]
        service.db_engine.dispose()
        return told

    assert story("one.db") == story("two.db")


def test_demo_walks_processes_the_story_does_not_know(service, tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "candidate_review.bpmn").write_text(CANDIDATE_REVIEW.read_text())
    (tmp_path / "officer_feedback.bpmn").write_text(OFFICER_FEEDBACK.read_text())
    (tmp_path / "README.md").write_text("not a process")
    result = load_demo(service, tmp_path, seed=1, with_passwords=False)
    assert sorted(result.deployed) == ["candidate_review v1", "officer_feedback v1"]
    feedback = service.list_instances(process_id="officer_feedback")
    assert len(feedback) == 4 and all(i.subject for i in feedback)
    reviews = service.list_instances(process_id="candidate_review")
    histories = [len(service.get_instance(i.id).history) for i in reviews]
    assert len(set(histories)) > 1  # not all at the same stage


def test_demo_keeps_existing_users_and_says_so(people, tmp_path):
    result = load_demo(people, tmp_path, seed=1)
    assert "hana" not in result.passwords and "washington_elementary" in {
        s.id for s in people.list_schools()
    }
    assert any("no .bpmn or .dmn files" in note for note in result.notes)
    assert any("user hana exists already" in note for note in result.notes)


def test_the_story_needs_a_database_without_instances(people, clock):
    people.deploy_files([str(CANDIDATE_REVIEW)])
    people.start_instance("candidate_review", username="hana", data={"school_id": "lincoln_high"})
    result = load_demo(people, WORKFLOWS, seed=1, with_passwords=False)
    assert any("instances exist already" in note for note in result.notes)
    assert people.list_instances(process_id="sro_selection") == []


def test_demo_needs_a_clock_it_can_move(database_url):
    service = EngineService(database_url)  # the system clock
    service.upgrade_database()
    with pytest.raises(TypeError, match="FixedClock"):
        load_demo(service, WORKFLOWS)
    assert service.list_users() == []
    service.db_engine.dispose()


def test_passwords_are_printed_once_with_names_and_schools():
    lines = []
    result = DemoResult(passwords={"hana": "pw-1", "rosa": "pw-2"}, waiting=["#3 SRO selection"])
    print_result(result, lines.append)
    assert lines[0].startswith("Demo users")
    assert lines[1].split() == ["hana", "pw-1", "Hana", "Park", "(hr)"]
    assert "Rosa Delgado (school_admin, roosevelt_middle)" in lines[2]
    assert lines[3] == "instance #3 SRO selection"


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
