"""Tests for engine.cli: the `sroflow` command, driven in-process through `main()` on each
database backend, plus one run of the real `python -m engine.cli` in a subprocess."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine import EngineService
from engine.cli import main

ROOT = Path(__file__).resolve().parents[2]
CANDIDATE_REVIEW = ROOT / "tests" / "data" / "engine" / "candidate_review.bpmn"
GOOD_CANDIDATE = {
    "candidate_name": "Jordan Lee",
    "years_experience": 6,
    "youth_engagement": True,
    "basic_course_date": "2015-06-01",
    "communication": "good",
}
BAD_CANDIDATE = {"candidate_name": "J", "years_experience": 99, "communication": "great"}

FLOW_TO_MISSING_TARGET = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="defs" targetNamespace="http://sroflow.org/test">
  <bpmn:process id="dangling_flow" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>to_nowhere</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="to_nowhere" sourceRef="start" targetRef="missing_task" />
  </bpmn:process>
</bpmn:definitions>
"""


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def sroflow(monkeypatch, capsys, database_url):
    """Run `sroflow ARGS...` in-process against a fresh database; returns a `Run`."""
    monkeypatch.setenv("SROFLOW_DATABASE_URL", database_url)

    def run(*argv: str, stdin: str | None = None) -> Run:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def cli(sroflow):
    """`sroflow` on a migrated database."""
    assert sroflow("db", "upgrade").code == 0
    return sroflow


@pytest.fixture
def cli_people(cli):
    """Two schools, HR, and one school administrator per school, set up through the CLI."""
    cli("schools", "add", "lincoln_high", "--name", "Lincoln High School")
    cli("schools", "add", "roosevelt_middle", "--name", "Roosevelt Middle School")
    cli("users", "add", "hana", "--role", "hr")
    cli("users", "add", "lina", "--role", "school_admin", "--school", "lincoln_high")
    cli("users", "add", "rosa", "--role", "school_admin", "--school", "roosevelt_middle")
    assert [u["username"] for u in cli("users", "list", "--json").json()] == [
        "hana",
        "lina",
        "rosa",
    ]
    assert cli("deploy", CANDIDATE_REVIEW, "--as", "hana").code == 0
    return cli


@pytest.fixture
def started(cli_people):
    """A candidate review for Lincoln High, started by HR: (instance id, record task id)."""
    run = cli_people(
        "start",
        "candidate_review",
        "--as",
        "hana",
        "--data",
        '{"school_id": "lincoln_high"}',
        "--json",
    )
    assert run.code == 0, run.err
    instance = run.json()
    return instance["instance_id"], instance["open_tasks"][0]["id"]


def one_line(text: str) -> str:
    assert text.count("\n") == 1, text
    return text.strip()


# -- db, schools, users ---------------------------------------------------------------------


def test_db_upgrade_is_idempotent(sroflow):
    assert sroflow("db", "upgrade").code == 0
    second = sroflow("db", "upgrade")
    assert second.code == 0
    assert "up to date" in second.out
    assert sroflow("schools", "list", "--json").json() == []


def test_commands_on_a_database_never_upgraded_fail_in_one_line(sroflow):
    run = sroflow("schools", "list")
    assert run.code == 1
    assert "sroflow db upgrade" in one_line(run.err)


def test_schools_add_then_list(cli):
    added = cli("schools", "add", "lincoln_high", "--name", "Lincoln High School", "--json")
    assert added.json() == {"id": "lincoln_high", "name": "Lincoln High School"}
    assert cli("schools", "list", "--json").json() == [added.json()]
    table = cli("schools", "list").out.splitlines()
    assert table[0].split() == ["ID", "NAME"]
    assert table[1].split(maxsplit=1) == ["lincoln_high", "Lincoln High School"]


def test_schools_add_refuses_a_duplicate_in_one_line(cli):
    cli("schools", "add", "lincoln_high", "--name", "Lincoln High School")
    run = cli("schools", "add", "lincoln_high", "--name", "Again")
    assert run.code == 1
    assert one_line(run.err) == "sroflow: school 'lincoln_high' already exists"


def test_users_add_with_roles_and_schools(cli):
    cli("schools", "add", "lincoln_high", "--name", "Lincoln High School")
    run = cli(
        "users",
        "add",
        "otto",
        "--role",
        "sro",
        "--role",
        "supervisor",
        "--school",
        "lincoln_high",
        "--display-name",
        "Otto Officer",
        "--json",
    )
    assert run.code == 0, run.err
    user = run.json()
    assert (user["username"], user["display_name"]) == ("otto", "Otto Officer")
    assert sorted(user["roles"]) == ["sro", "supervisor"]
    assert user["schools"] == ["lincoln_high"]
    assert "otto" in cli("users", "list").out


def test_users_add_refuses_an_unknown_role_in_one_line(cli):
    run = cli("users", "add", "bob", "--role", "wizard")
    assert run.code == 1
    assert one_line(run.err).startswith("sroflow: unknown role(s) wizard")
    assert cli("users", "list", "--json").json() == []


def test_users_add_refuses_an_unknown_school(cli):
    run = cli("users", "add", "lina", "--role", "school_admin", "--school", "atlantis")
    assert run.code == 1
    assert "atlantis" in one_line(run.err)


def test_users_add_reads_the_password_from_stdin(cli, database_url):
    run = cli("users", "add", "hana", "--role", "hr", "--password-stdin", stdin="hr-password\n")
    assert run.code == 0, run.err
    service = EngineService(database_url)
    try:
        assert service.check_password("hana", "hr-password").username == "hana"
        assert service.check_password("hana", "hr-password\n") is None
    finally:
        service.db_engine.dispose()


def test_users_add_without_a_password_on_stdin_is_a_usage_error(cli):
    run = cli("users", "add", "hana", "--role", "hr", "--password-stdin", stdin="")
    assert run.code == 2
    assert "--password-stdin" in one_line(run.err)


def test_an_unknown_user_is_named_in_one_line(cli):
    run = cli("tasks", "--as", "bob")
    assert run.code == 1
    assert run.err == "sroflow: no user named 'bob'\n"


def test_a_missing_required_option_is_a_usage_error(cli):
    run = cli("users", "add", "bob")
    assert run.code == 2
    assert "--role" in one_line(run.err)


# -- deploy and processes -------------------------------------------------------------------


def test_deploy_prints_versions_and_a_second_deploy_is_unchanged(cli, tmp_path):
    first = cli("deploy", CANDIDATE_REVIEW)
    assert first.code == 0, first.err
    assert first.out == "candidate_review v1 (new)\n"
    assert cli("deploy", CANDIDATE_REVIEW).out == "candidate_review v1 (unchanged)\n"

    changed = tmp_path / "candidate_review.bpmn"
    changed.write_text(
        CANDIDATE_REVIEW.read_text().replace(
            'name="Candidate review" isExecutable', 'name="CR2" isExecutable'
        )
    )
    assert cli("deploy", tmp_path, "--json").json()["processes"] == [
        {"process_id": "candidate_review", "version": 2, "changed": True}
    ]
    [process] = cli("processes", "--json").json()
    assert (process["process_id"], process["version"], process["name"]) == (
        "candidate_review",
        2,
        "CR2",
    )
    assert "candidate_review" in cli("processes").out


def test_deploy_as_an_unknown_user_is_refused(cli):
    run = cli("deploy", CANDIDATE_REVIEW, "--as", "bob")
    assert run.code == 1
    assert one_line(run.err) == "sroflow: no user named 'bob'"
    assert cli("processes", "--json").json() == []


def test_deploy_refuses_a_file_that_is_not_bpmn(cli, tmp_path):
    notes = tmp_path / "notes.bpmn"
    notes.write_text('<?xml version="1.0"?>\n<notes><note>not a process</note></notes>\n')
    run = cli("deploy", notes)
    assert run.code == 1
    assert run.out == ""
    assert run.err.strip()
    assert all(line.startswith("notes.bpmn") for line in run.err.splitlines()), run.err
    assert cli("processes", "--json").json() == []


def test_deploy_refuses_a_flow_to_a_missing_target_naming_file_and_element(cli, tmp_path):
    broken = tmp_path / "dangling_flow.bpmn"
    broken.write_text(FLOW_TO_MISSING_TARGET)
    run = cli("deploy", broken, "--json")
    assert run.code == 1
    assert "dangling_flow.bpmn" in run.err
    assert "missing_task" in run.err
    refused = run.json()
    assert refused["error"] == "deployment refused"
    [problem] = refused["problems"]
    assert problem["file"] == "dangling_flow.bpmn"
    assert problem["element_id"] in ("start", "to_nowhere")
    assert f"[{problem['element_id']}]" in run.err
    assert cli("processes", "--json").json() == []


def test_deploy_of_a_missing_path_names_it(cli, tmp_path):
    run = cli("deploy", tmp_path / "nowhere.bpmn")
    assert run.code == 1
    assert "nowhere.bpmn" in one_line(run.err)


# -- start, tasks, task, complete, instance -------------------------------------------------


@pytest.mark.parametrize(
    ("data", "complaint"),
    [("{not json", "not valid JSON"), ("[1, 2]", "must be a JSON object")],
)
def test_start_data_must_be_a_json_object(cli_people, data, complaint):
    run = cli_people("start", "candidate_review", "--as", "hana", "--data", data)
    assert run.code == 2
    line = one_line(run.err)
    assert "--data" in line and complaint in line
    assert cli_people("tasks", "--as", "hana", "--json").json() == []


def test_start_prints_the_instance_and_its_first_task(cli_people):
    data = '{"school_id": "lincoln_high"}'
    run = cli_people("start", "candidate_review", "--as", "hana", "--data", data)
    assert run.code == 0, run.err
    assert run.out.startswith("instance 1 of candidate_review v1: running\n")
    assert "Record candidate [record_candidate]" in run.out


def test_start_json_gives_instance_id_and_state(started, cli_people):
    instance_id, _ = started
    instance = cli_people("instance", instance_id, "--json").json()
    assert (instance["id"], instance["state"], instance["school_id"]) == (
        instance_id,
        "running",
        "lincoln_high",
    )


def test_tasks_json_shows_record_candidate_to_hr(started, cli_people):
    instance_id, task_id = started
    [task] = cli_people("tasks", "--as", "hana", "--json").json()
    assert (task["id"], task["element_id"], task["instance_id"]) == (
        task_id,
        "record_candidate",
        instance_id,
    )
    assert (task["process_id"], task["role"], task["school_id"]) == (
        "candidate_review",
        "hr",
        "lincoln_high",
    )
    assert task["assignee"] is None and "due_at" in task
    assert cli_people("tasks", "--as", "hana", "--view", "mine", "--json").json() == []
    assert cli_people("tasks", "--as", "lina", "--json").json() == []


def test_tasks_prints_an_aligned_table(started, cli_people):
    _, task_id = started
    header, row = cli_people("tasks", "--as", "hana").out.splitlines()
    assert header.split() == ["ID", "TASK", "PROCESS", "SUBJECT", "SCHOOL", "ASSIGNEE", "DUE"]
    assert row.startswith(task_id)
    assert header.index("PROCESS") == row.index("candidate_review")
    assert "lincoln_high" in row


@pytest.mark.parametrize("as_user", [["--as", "hana"], []], ids=["as_hr", "as_operator"])
def test_task_json_shows_form_fields_with_constraints(started, cli_people, as_user):
    _, task_id = started
    run = cli_people("task", task_id, *as_user, "--json")
    assert run.code == 0, run.err
    task = run.json()
    assert task["element_id"] == "record_candidate"
    fields = {f["id"]: f for f in task["form"]}
    assert list(fields) == [
        "candidate_name",
        "years_experience",
        "youth_engagement",
        "basic_course_date",
        "communication",
        "case_reference",
    ]
    assert fields["candidate_name"]["label"] == "Candidate name"
    assert fields["candidate_name"]["required"] is True
    assert fields["candidate_name"]["constraints"] == {"minlength": 2, "maxlength": 80}
    assert fields["years_experience"]["type"] == "long"
    assert fields["years_experience"]["constraints"] == {"min": 0, "max": 40}
    assert fields["basic_course_date"]["constraints"] == {"min": "2000-01-01"}
    assert [o["id"] for o in fields["communication"]["options"]] == [
        "poor",
        "fair",
        "good",
        "excellent",
    ]
    assert fields["case_reference"]["readonly"] is True
    assert task["data"] == {"school_id": "lincoln_high"}


def test_task_plain_lists_each_field(started, cli_people):
    _, task_id = started
    out = cli_people("task", task_id).out
    assert "Record candidate [record_candidate]" in out
    assert "years_experience (long): Years of sworn experience [required, min=0, max=40]" in out
    assert "options: poor, fair, good, excellent" in out


def test_task_of_another_school_is_not_found(started, cli_people):
    _, task_id = started
    run = cli_people("task", task_id, "--as", "rosa")
    assert run.code == 1
    assert one_line(run.err) == f"sroflow: no task {task_id}"
    assert cli_people("task", "no-such-task").code == 1


def test_complete_with_bad_data_names_each_field_and_changes_nothing(started, cli_people):
    instance_id, task_id = started
    before = cli_people("instance", instance_id, "--json").json()
    data = json.dumps(BAD_CANDIDATE)
    run = cli_people("complete", task_id, "--as", "hana", "--data", data)
    assert run.code == 1
    lines = run.err.splitlines()
    for name in ("candidate_name", "years_experience", "communication"):
        assert any(name in line for line in lines), run.err
    assert len(lines) == 3

    as_json = cli_people("complete", task_id, "--as", "hana", "--data", data, "--json")
    assert as_json.code == 1
    refused = as_json.json()
    assert refused["error"]
    assert set(refused["fields"]) == {"candidate_name", "years_experience", "communication"}
    assert refused["fields"]["years_experience"] == "must be at most 40"

    after = cli_people("instance", instance_id, "--json").json()
    assert after == before
    assert after["open_tasks"][0]["assignee"] is None


def test_complete_requires_data(started, cli_people):
    _, task_id = started
    run = cli_people("complete", task_id, "--as", "hana")
    assert run.code == 2
    assert "--data" in one_line(run.err)


def test_interview_goes_to_the_admin_of_the_school_in_the_start_data(started, cli_people):
    instance_id, task_id = started
    done = cli_people(
        "complete", task_id, "--as", "hana", "--data", json.dumps(GOOD_CANDIDATE), "--json"
    )
    assert done.code == 0, done.err
    completed = done.json()
    assert (completed["state"], completed["completed_by"]) == ("completed", "hana")
    [interview] = completed["instance"]["open_tasks"]
    assert (interview["element_id"], interview["school_id"]) == ("interview", "lincoln_high")

    assert [t["id"] for t in cli_people("tasks", "--as", "lina", "--json").json()] == [
        interview["id"]
    ]
    assert cli_people("tasks", "--as", "rosa", "--json").json() == []
    assert cli_people("tasks", "--as", "hana", "--json").json() == []
    assert cli_people("claim", interview["id"], "--as", "rosa").code == 1

    instance = cli_people("instance", instance_id, "--json").json()
    assert instance["state"] == "running"
    assert [t["element_id"] for t in instance["open_tasks"]] == ["interview"]
    assert instance["data"]["candidate_name"] == "Jordan Lee"
    assert instance["data"]["qualified"] is True
    history = [(e["type"], e["element_id"], e["user"]) for e in instance["history"]]
    assert history[0] == ("started", None, "hana")
    assert ("completed", "record_candidate", "hana") in history
    assert all(e["at"] for e in instance["history"])

    finish = cli_people(
        "complete", interview["id"], "--as", "lina", "--data", '{"recommendation": "recommend"}'
    )
    assert finish.code == 0, finish.err
    assert f"instance {instance_id} of candidate_review v1: completed" in finish.out
    final = cli_people("instance", instance_id, "--json").json()
    assert (final["state"], final["open_tasks"]) == ("completed", [])
    assert (
        cli_people("tasks", "--as", "lina", "--view", "completed", "--json").json()[0]["element_id"]
        == "interview"
    )


def test_claim_and_unclaim(started, cli_people):
    _, task_id = started
    claimed = cli_people("claim", task_id, "--as", "hana", "--json")
    assert claimed.code == 0, claimed.err
    assert claimed.json()["assignee"] == "hana"
    assert [
        t["id"] for t in cli_people("tasks", "--as", "hana", "--view", "mine", "--json").json()
    ] == [task_id]
    unclaimed = cli_people("unclaim", task_id, "--as", "hana")
    assert unclaimed.code == 0
    assert "back in the queue" in unclaimed.out
    again = cli_people("unclaim", task_id, "--as", "hana")
    assert again.code == 1
    assert "not claimed" in one_line(again.err)


def test_cancel_ends_the_instance_and_its_tasks(started, cli_people):
    instance_id, _ = started
    refused = cli_people("cancel", instance_id, "--as", "lina")
    assert refused.code == 1
    assert "may cancel" in one_line(refused.err)
    run = cli_people("cancel", instance_id, "--as", "hana", "--reason", "vacancy filled", "--json")
    assert run.code == 0, run.err
    cancelled = run.json()
    assert (cancelled["state"], cancelled["open_tasks"]) == ("cancelled", [])
    assert cancelled["history"][-1]["type"] == "cancelled"
    assert cli_people("tasks", "--as", "hana", "--json").json() == []


def test_instance_plain_shows_state_tasks_and_history(started, cli_people):
    instance_id, _ = started
    out = cli_people("instance", instance_id).out
    assert out.startswith(f"instance {instance_id} of candidate_review v1: running")
    assert "record_candidate" in out
    assert "started by hana" in out


def test_unknown_instance_is_one_line(cli):
    run = cli("instance", "999")
    assert run.code == 1
    assert one_line(run.err) == "sroflow: no instance 999"
    assert cli("instance", "abc").code == 2


# -- the real command -----------------------------------------------------------------------


def test_python_m_engine_cli_runs_commands_and_sets_exit_codes(tmp_path):
    env = {**os.environ, "SROFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}

    def sroflow(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "engine.cli", *argv],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert sroflow("db", "upgrade").returncode == 0
    assert sroflow("schools", "add", "lincoln_high", "--name", "Lincoln High").returncode == 0
    listed = sroflow("schools", "list", "--json")
    assert json.loads(listed.stdout) == [{"id": "lincoln_high", "name": "Lincoln High"}]
    refused = sroflow("users", "add", "bob", "--role", "wizard")
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1 and "wizard" in refused.stderr
    assert sroflow("no-such-command").returncode == 2


def test_start_for_an_unknown_school_exits_1_naming_the_field(cli_people):
    run = cli_people("start", "candidate_review", "--as", "hana", "--data", '{"school_id": "x1"}')
    assert run.code == 1
    assert "school_id" in one_line(run.err) and "no school 'x1'" in run.err
