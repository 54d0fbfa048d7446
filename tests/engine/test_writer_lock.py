"""engine/db/writer_lock.py: writers on one SQLite file take turns across processes (and
forks, and nested use); two processes completing tasks at once see no 'database is locked'."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from engine.db.session import make_db_engine
from engine.db.writer_lock import writer_lock
from tests.engine.samples import CANDIDATE, DATA

STILL_WAITING_SECONDS = 1.0  # how long a blocked writer must stay blocked to count as waiting
DONE_SECONDS = 60

# A second process: says "waiting", takes the writer lock, says "got it".
TAKE_THE_LOCK = """
import sys
from engine.db.session import make_db_engine
from engine.db.writer_lock import writer_lock
lock = writer_lock(make_db_engine(sys.argv[1]))
print("waiting", flush=True)
with lock:
    print("got it", flush=True)
"""

# A second process completing tasks: starts when told on stdin, prints the conflicts it saw.
COMPLETE_TASKS = """
import json, sys
from engine import ConflictError, EngineService
service = EngineService(sys.argv[1])
task_ids, data = json.loads(sys.argv[2]), json.loads(sys.argv[3])
print("ready", flush=True)
sys.stdin.readline()
conflicts = []
for task_id in task_ids:
    try:
        service.complete_task(task_id, username="hana", data=data)
    except ConflictError as error:
        conflicts.append(str(error))
print(json.dumps(conflicts), flush=True)
"""


@pytest.fixture
def sqlite_file(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'sroflow.db'}"


def take_the_lock_elsewhere(url: str) -> subprocess.Popen:
    child = subprocess.Popen(
        [sys.executable, "-c", TAKE_THE_LOCK, url], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == "waiting"
    return child


def assert_still_waiting(child: subprocess.Popen) -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        child.wait(timeout=STILL_WAITING_SECONDS)


def assert_goes_on(child: subprocess.Popen) -> None:
    out, _ = child.communicate(timeout=DONE_SECONDS)
    assert child.returncode == 0 and out.strip() == "got it"


def test_a_second_process_waits_for_the_first_writer_then_goes_on(sqlite_file):
    with writer_lock(make_db_engine(sqlite_file)):
        child = take_the_lock_elsewhere(sqlite_file)
        assert_still_waiting(child)
    assert_goes_on(child)


def test_nested_use_holds_the_lock_until_the_outermost_release(sqlite_file):
    lock = writer_lock(make_db_engine(sqlite_file))
    with lock:
        with lock:
            pass
        child = take_the_lock_elsewhere(sqlite_file)
        assert_still_waiting(child)
    assert_goes_on(child)


def test_services_on_one_database_share_their_process_lock(sqlite_file):
    first = writer_lock(make_db_engine(sqlite_file))
    second = writer_lock(make_db_engine(sqlite_file))
    nested = threading.Event()

    def nest():  # two descriptors of one file would exclude each other: a thread hung here
        with first, second:
            nested.set()

    threading.Thread(target=nest, daemon=True).start()
    assert nested.wait(DONE_SECONDS)


def _take_in_forked_child(lock, connection) -> None:
    with lock:
        connection.send("got it")


@pytest.mark.skipif(sys.platform != "linux", reason="fork")
def test_a_forked_child_does_not_share_its_parents_lock(sqlite_file):
    lock = writer_lock(make_db_engine(sqlite_file))
    parent_end, child_end = multiprocessing.Pipe()
    fork = multiprocessing.get_context("fork")
    with lock:
        child = fork.Process(target=_take_in_forked_child, args=(lock, child_end))
        child.start()
        assert not parent_end.poll(STILL_WAITING_SECONDS)
    assert parent_end.poll(DONE_SECONDS) and parent_end.recv() == "got it"
    child.join(DONE_SECONDS)
    assert child.exitcode == 0


def test_the_lock_file_sits_next_to_the_database(sqlite_file, tmp_path):
    with writer_lock(make_db_engine(sqlite_file)):
        pass
    assert (tmp_path / "sroflow.db.writer-lock").exists()


def test_in_memory_sqlite_and_postgresql_need_no_lock_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for url in ("sqlite://", "sqlite:///:memory:", "postgresql://nobody@127.0.0.1/none"):
        with writer_lock(make_db_engine(url)):
            pass
    assert list(Path(tmp_path).iterdir()) == []


def test_two_processes_completing_tasks_at_once_see_no_locked_database(people, database_url):
    people.deploy_files([str(DATA / "candidate_review.bpmn")])
    task_ids = [
        people.start_instance("candidate_review", username="hana", data={}).open_tasks[0].id
        for _ in range(40)
    ]
    batches = [task_ids[0::2], task_ids[1::2]]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", COMPLETE_TASKS, database_url]
            + [json.dumps(batch), json.dumps(CANDIDATE)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for batch in batches
    ]
    for child in children:
        assert child.stdout.readline().strip() == "ready"
    for child in children:  # both go at once
        child.stdin.write("go\n")
        child.stdin.flush()
    for child in children:
        out, _ = child.communicate(timeout=DONE_SECONDS * 2)
        assert child.returncode == 0
        assert json.loads(out) == []  # no ConflictError, 'database is busy' or otherwise
    assert people.count_tasks(username="hana", view="completed") == len(task_ids)
