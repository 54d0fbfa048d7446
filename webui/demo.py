"""Demo data (`sroflow demo`): schools, people with random passwords printed once, the SRO
process library deployed, and a living program: officers and candidates at every stage.

The demo plays a story through the public EngineService, the same calls the pages make: 20
months of an SRO program, from the selection of the first officer to today. The service's
clock must be movable (a FixedClock): the demo sets it back to the story's first day and
moves it forward, firing the timers that come due on the way as the scheduler would, so
probation periods run out, evaluations come due and training years roll over honestly. It
stops at the clock's time when the demo started ("today"); the scheduler takes over from
there. Only the texts and scores vary with `seed`; the stages do not.

Storylines are generators (`_STORYLINES`): each does what happened on one day, then yields
how many days before today its next step happens; `_Story.play` interleaves them by date.
A storyline that the deployed diagrams refuse stops with a note; the others go on.
Processes the story does not know are started and walked a few steps with generated values
(webui/demo_values.py), so any folder of processes gets some demo data.
"""

from __future__ import annotations

import heapq
import random
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from engine import EngineError, EngineService, InstanceRecord, TaskRecord, UserRecord
from webui.demo_values import fill_form, person_name

LINCOLN, ROOSEVELT, WASHINGTON = "lincoln_high", "roosevelt_middle", "washington_elementary"
SCHOOLS = (
    (LINCOLN, "Lincoln High School"),
    (ROOSEVELT, "Roosevelt Middle School"),
    (WASHINGTON, "Washington Elementary School"),
)


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    roles: tuple[str, ...]
    schools: tuple[str, ...] = ()


# One administrator per school; two officers (otto is the SRO to sign in as).
PEOPLE = (
    Person("hana", "Hana Park", ("hr",)),
    Person("lina", "Lina Ortiz", ("school_admin",), (LINCOLN,)),
    Person("rosa", "Rosa Delgado", ("school_admin",), (ROOSEVELT,)),
    Person("wes", "Wes Grant", ("school_admin",), (WASHINGTON,)),
    Person("sam", "Sam Whitaker", ("supervisor",)),
    Person("ada", "Ada Brooks", ("agency_head",)),
    Person("otto", "Otto Reyes", ("sro",), (LINCOLN,)),
    Person("maya", "Maya Chen", ("sro",), (ROOSEVELT,)),
    Person("pat", "Pat Nguyen", ("process_owner",)),
    Person("root", "Robin Admin", ("admin",)),
)
STORY_DAYS = 600  # the story starts this many days before today
GENERIC_STAGES = (0, 1, 2, 3)  # processes the story does not know: tasks done per instance
SOURCE_SUFFIXES = (".bpmn", ".dmn")


@dataclass
class DemoResult:
    passwords: dict[str, str] = field(default_factory=dict)
    deployed: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # one line per running instance
    notes: list[str] = field(default_factory=list)


def _add_people(service: EngineService, result: DemoResult, with_passwords: bool) -> None:
    schools = {s.id for s in service.list_schools()}
    for school_id, name in SCHOOLS:
        if school_id not in schools:
            service.add_school(school_id, name)
    users = {u.username for u in service.list_users()}
    for person in PEOPLE:
        if person.username in users:
            result.notes.append(f"user {person.username} exists already; password unchanged")
            continue
        # Never from the seed: a password must not be guessable.
        password = secrets.token_urlsafe(12) if with_passwords else None
        service.add_user(
            person.username,
            roles=person.roles,
            schools=person.schools,
            password=password,
            display_name=person.name,
        )
        if password:
            result.passwords[person.username] = password


def process_files(source: Path) -> list[Path]:
    """The .bpmn/.dmn files of a folder (recursively), or the one file given."""
    if source.is_file():
        return [source]
    return sorted(p for p in source.rglob("*") if p.suffix in SOURCE_SUFFIXES)


def _deploy(service: EngineService, workflows: Path, result: DemoResult) -> None:
    sources = process_files(workflows)
    if not sources:
        result.notes.append(f"no .bpmn or .dmn files under {workflows}: nothing deployed")
        return
    deployment = service.deploy_files([str(p) for p in sources], deployed_by="pat")
    result.deployed = [f"{p.process_id} v{p.version}" for p in deployment.processes]


class StoryError(Exception):
    """A story step found the process somewhere it did not expect."""


class _Story:
    """The engine, a movable clock and the helpers storylines act through."""

    def __init__(self, service: EngineService, rng: random.Random):
        clock = service.clock
        if not hasattr(clock, "set"):
            raise TypeError("the demo moves time: give the service a FixedClock")
        self.service, self.clock, self.rng = service, clock, rng
        self.today = clock.now()

    # -- time -------------------------------------------------------------------------------

    def move_to(self, days_before: float) -> None:
        """Move the clock to `days_before` today, firing each timer at its due time on the
        way (a timer's follow-ups count from when it fired, as with the real scheduler)."""
        target = self.today - timedelta(days=days_before)
        if target < self.clock.now():
            raise StoryError(f"the clock cannot go back to {target:%Y-%m-%d}")
        stuck: set[int] = set()  # timers that would not fire (their instance is in error)
        while True:
            due = [
                t.due_at
                for t in self.service.list_timers()
                if t.state == "waiting" and t.due_at <= target and t.id not in stuck
            ]
            self.clock.set(max(min(due), self.clock.now()) if due else target)
            self.service.fire_due_timers()
            self.service.scan_due_tasks()
            self.service.deliver_notifications()
            if not due:
                return
            stuck |= {
                t.id
                for t in self.service.list_timers()
                if t.state == "waiting" and t.due_at <= self.clock.now()
            }

    def day(self, days_from_now: int) -> str:
        """A date relative to the story's current day, as forms take it ('YYYY-MM-DD')."""
        return (self.clock.now() + timedelta(days=days_from_now)).date().isoformat()

    # -- acting -----------------------------------------------------------------------------

    def open(self, process_id: str, username: str = "hana", **values) -> int:
        """Start a process through its start form; returns the instance id."""
        form = self.service.get_process(process_id).start_form
        data = fill_form(form, self.rng, self.clock.now(), values)
        record = self.service.start_instance(process_id, username=username, data=data)
        return self._check(record).id

    def work(self, username: str, instance_id: int, element_id: str, **values) -> None:
        """Complete the user's open `element_id` task of the instance with `values` (the
        other fields generated)."""
        instance = self.service.get_instance(instance_id)
        tasks = [
            t
            for t in instance.open_tasks
            if t.element_id == element_id and t.assignee in (None, username)
        ]
        if not tasks:
            waiting = ", ".join(t.element_id for t in instance.open_tasks) or "no task"
            raise StoryError(
                f"instance {instance_id} has no '{element_id}' task for {username} "
                f"(it waits at: {waiting})"
            )
        form = self.service.get_task(tasks[0].id, username=username).form
        data = fill_form(form, self.rng, self.clock.now(), values)
        self.service.complete_task(tasks[0].id, username=username, data=data)
        self._check(self.service.get_instance(instance_id))

    def started(self, process_id: str, **match) -> int:
        """The newest instance of a process (started by a message) whose data match."""
        for instance in self.service.list_instances(process_id=process_id, limit=1000):
            if all(instance.data.get(k) == v for k, v in match.items()):
                return instance.id
        raise StoryError(f"no {process_id} instance with {match}")

    def pick(self, *choices):
        return self.rng.choice(choices)

    @staticmethod
    def _check(record: InstanceRecord) -> InstanceRecord:
        if record.state == "error":
            raise StoryError(f"instance {record.id} stopped: {record.error_message}")
        return record

    # -- playing ----------------------------------------------------------------------------

    def play(self, storylines, result: DemoResult) -> None:
        """Run the storylines' steps in date order (ties: in the order given)."""
        queue: list[tuple[float, int, Iterator]] = []

        def schedule(order: int, line: Iterator) -> None:
            try:
                days_before = next(line)
            except StopIteration:
                return
            except (EngineError, StoryError) as error:
                result.notes.append(f"storyline {line.__name__} stopped: {error}")
                return
            heapq.heappush(queue, (-days_before, order, line))

        for order, storyline in enumerate(storylines):
            schedule(order, storyline(self))
        while queue:
            minus_days, order, line = heapq.heappop(queue)
            self.move_to(-minus_days)
            schedule(order, line)
        self.move_to(0)


# -- the storylines: each yields how many days before today its next step happens ------------
Storyline = Callable[[_Story], Iterator[float]]


def _interviews(s: _Story, instance: int, admin: str, *, school: str, panel: str) -> None:
    """The school's interview and the supervisor's panel score sheet, on the same day."""
    s.work(
        admin,
        instance,
        "interview_school_admin",
        admin_interviewers=f"{_name(admin)} (principal) and the assistant principal",
        admin_recommendation=school,
        admin_comments=s.pick(
            "Talked easily with our student council; knows the neighbourhood.",
            "Thoughtful answers on de-escalation; asked good questions about our counselors.",
            "Some answers leaned on enforcement; open to our restorative practices.",
        ),
    )
    score = {"recommend": (4, 5), "recommend_with_reservations": (3, 4)}.get(panel, (2, 3))
    s.work(
        "sam",
        instance,
        "score_candidate",
        law_enforcement_score=s.rng.randint(*score),
        educator_score=s.rng.randint(*score),
        counselor_score=s.rng.randint(*score),
        panel_recommendation=panel,
        panel_comments=s.pick(
            "Clear on the limits of the SRO role in school discipline.",
            "Strong scenario answers; would benefit from the adolescent development course.",
            "Solid patrol record; less experience with youth programmes.",
        ),
    )


def _name(username: str) -> str:
    return next(p.name for p in PEOPLE if p.username == username).split()[0]


def _candidate(
    name: str,
    *,
    username: str | None = None,
    years: int = 6,
    qualified: bool = True,
    basic_done_on: str | None = None,
) -> dict:
    """The "Record candidate" form: qualified, or failing every minimum qualification."""
    username = username or name.lower().replace(" ", ".")
    if not qualified:
        return {
            "candidate_name": name,
            "officer_id": username,
            "sworn_years": 2,
            "youth_engagement": False,
            "youth_engagement_evidence": None,
            "communication_rating": "fair",
            "basic_course_completed_on": None,
        }
    return {
        "candidate_name": name,
        "officer_id": username,
        "sworn_years": years,
        "youth_engagement": True,
        "youth_engagement_evidence": "Coaches in the Police Athletic League; school visits.",
        "communication_rating": "excellent" if len(name) % 2 else "good",
        "basic_course_completed_on": basic_done_on,
    }


def otto_reyes(s: _Story) -> Iterator[float]:
    """Lincoln High's officer: selected, probation confirmed, a year later his first
    evaluation waits for the principal's feedback; his second training year is running."""
    yield 590
    selection = s.open(
        "sro_selection",
        school_id=LINCOLN,
        vacancy_reference="LHS-SRO-1",
        vacancy_reason="Officer Dale Foster retired after eight years at Lincoln High.",
    )
    s.work(
        "hana", selection, "record_candidate", **_candidate("Otto Reyes", username="otto", years=9)
    )
    yield 588
    s.work(
        "hana",
        selection,
        "schedule_interviews",
        interview_date=s.day(7),
        panel_interviewers="sam",
    )
    yield 581
    _interviews(s, selection, "lina", school="recommend", panel="recommend")
    yield 579
    s.work(
        "hana",
        selection,
        "consolidate_results",
        hr_summary="School and panel both recommend; nine years of patrol, PAL coach.",
        hr_recommendation="select",
    )
    yield 576
    s.work(
        "ada",
        selection,
        "decide_selection",
        selection_decision="select",
        decision_reason="Recommended by the school and the panel.",
    )
    yield 563  # probation (six months from today) and training year 1 start
    s.work("hana", selection, "assign_officer", assignment_start=s.day(14), probation_length=None)
    probation = s.started("sro_probation", officer_id="otto")
    training = s.started("sro_training", officer_id="otto", training_year=1)
    yield 440
    s.work(
        "otto",
        training,
        "record_completion",
        completed_on=s.day(-3),
        certificate_reference="POST Basic SRO course, certificate 24-1187",
    )
    yield 376  # the probation period ran out a few days ago
    s.work(
        "lina",
        probation,
        "administrator_probation_input",
        administrator_input="supportive",
        administrator_comments="Visible at arrival and dismissal; staff and students trust him.",
    )
    yield 375
    s.work(
        "sam",
        probation,
        "probationary_review",
        supervisor_assessment="meets_expectations",
        supervisor_review_notes="Good judgement in two incidents; reports on time.",
        supervisor_recommendation="confirm",
    )
    yield 372  # the first evaluation comes due a year from now
    s.work(
        "ada",
        probation,
        "decide_probation",
        probation_decision="confirm",
        extension_length=None,
        decision_reason="Supervisor and principal both support him.",
    )
    evaluation = s.started("sro_evaluation", officer_id="otto", evaluation_number=1)
    yield 300
    _record_training(s, "otto", training, "rapid deployment", days_ago=2)
    yield 180  # the conference was not recorded by its due date: the supervisor follows up
    s.work(
        "sam",
        training,
        "follow_up_overdue_training",
        overdue_action="rescheduled",
        completed_on=None,
        overdue_notes="The conference was cancelled; he attends the spring one.",
    )
    yield 60
    year_two = s.started("sro_training", officer_id="otto", training_year=2)
    _record_training(s, "otto", year_two, "mental health", days_ago=5)
    yield 5  # the evaluation came due two days ago
    s.work(
        "sam",
        evaluation,
        "request_administrator_feedback",
        feedback_questions="How does Officer Reyes work with your staff and with students "
        "in crisis? Anything you want him to do differently next year?",
    )


def _record_training(s: _Story, officer: str, instance: int, course: str, days_ago: int):
    """Record the completion of the open training item whose course name mentions `course`."""
    for task in s.service.get_instance(instance).open_tasks:
        if task.element_id != "record_completion":
            continue
        item = s.service.get_task(task.id, username=officer).data
        if course in str(item.get("training_course_name", "")).lower():
            form = s.service.get_task(task.id, username=officer).form
            values = {"completed_on": s.day(-days_ago), "certificate_reference": None}
            data = fill_form(form, s.rng, s.clock.now(), values)
            s.service.complete_task(task.id, username=officer, data=data)
            return
    raise StoryError(f"no open '{course}' training item in instance {instance}")


def maya_chen(s: _Story) -> Iterator[float]:
    """Roosevelt Middle's officer: chosen over another candidate; her probation ran out
    days ago, so the supervisor's review and the principal's input are due."""
    yield 214
    vacancy = {
        "school_id": ROOSEVELT,
        "vacancy_reference": "RMS-SRO-1",
        "vacancy_reason": "Officer Ken Ward moved to the detective bureau.",
    }
    maya = s.open("sro_selection", **vacancy)
    s.work(
        "hana",
        maya,
        "record_candidate",
        **_candidate("Maya Chen", username="maya", years=7, basic_done_on=s.day(-400)),
    )
    derek = s.open("sro_selection", **vacancy)
    s.work("hana", derek, "record_candidate", **_candidate("Derek Sullivan"))
    yield 210
    for instance in (maya, derek):
        s.work(
            "hana",
            instance,
            "schedule_interviews",
            interview_date=s.day(10),
            panel_interviewers="sam",
        )
    yield 200
    _interviews(s, maya, "rosa", school="recommend", panel="recommend")
    _interviews(s, derek, "rosa", school="recommend_with_reservations", panel="do_not_recommend")
    yield 197
    s.work(
        "hana",
        maya,
        "consolidate_results",
        hr_summary="The stronger candidate: former youth officer, Basic course done.",
        hr_recommendation="select",
    )
    s.work(
        "hana",
        derek,
        "consolidate_results",
        hr_summary="The panel has doubts about his fit with middle-school students.",
        hr_recommendation="do_not_select",
    )
    yield 193
    s.work(
        "ada",
        maya,
        "decide_selection",
        selection_decision="select",
        decision_reason="Best fit for Roosevelt Middle.",
    )
    s.work(
        "ada",
        derek,
        "decide_selection",
        selection_decision="do_not_select",
        decision_reason="Another candidate was a better fit; encouraged to apply again.",
    )
    yield 186  # probation: six months from today, so the reviews start four days before now
    s.work("hana", maya, "assign_officer", assignment_start=s.day(7), probation_length=None)
    training = s.started("sro_training", officer_id="maya", training_year=1)
    yield 40
    _record_training(s, "maya", training, "cpted", days_ago=3)


def lincoln_second_position(s: _Story) -> Iterator[float]:
    """A second position at Lincoln High: one candidate not qualified, one waiting for the
    agency head's decision, one waiting for the interviews."""
    vacancy = {
        "school_id": LINCOLN,
        "vacancy_reference": "LHS-SRO-2",
        "vacancy_reason": "A second SRO position, approved as enrolment passed 2,000.",
    }
    yield 40
    nate = s.open("sro_selection", **vacancy)
    s.work("hana", nate, "record_candidate", **_candidate("Nate Newman", qualified=False))
    devon = s.open("sro_selection", **vacancy)
    s.work("hana", devon, "record_candidate", **_candidate("Devon Okafor"))
    yield 37
    s.work("hana", devon, "schedule_interviews", interview_date=s.day(8), panel_interviewers="sam")
    yield 29
    _interviews(s, devon, "lina", school="recommend", panel="recommend_with_reservations")
    yield 26
    s.work(
        "hana",
        devon,
        "consolidate_results",
        hr_summary="The school recommends; the panel has reservations about his report writing.",
        hr_recommendation="select",
    )
    yield 12
    jordan = s.open("sro_selection", **vacancy)
    s.work("hana", jordan, "record_candidate", **_candidate("Jordan Lee"))
    yield 10
    s.work(
        "hana", jordan, "schedule_interviews", interview_date=s.day(12), panel_interviewers="sam"
    )


def washington_new_position(s: _Story) -> Iterator[float]:
    """A new position at Washington Elementary, candidates arriving."""
    vacancy = {
        "school_id": WASHINGTON,
        "vacancy_reference": "WES-SRO-1",
        "vacancy_reason": "New position shared with the district's elementary schools.",
    }
    yield 9
    priya = s.open("sro_selection", **vacancy)
    s.work("hana", priya, "record_candidate", **_candidate("Priya Patel"))
    yield 7
    s.work("hana", priya, "schedule_interviews", interview_date=s.day(10), panel_interviewers="sam")
    yield 2
    marcus = s.open("sro_selection", **vacancy)
    s.work("hana", marcus, "record_candidate", **_candidate("Marcus Carter"))
    yield 1
    s.open("sro_selection", **vacancy)  # the next application is still to be recorded


def mou_reviews(s: _Story) -> Iterator[float]:
    """Last year's MOU review (one round of changes, then signed); this year's review was
    started by it and waits for both sign-offs."""
    yield 400
    review = s.open(
        "mou_review",
        mou_reference="SRO MOU: County Sheriff's Office and Unified School District",
        review_year=None,
    )
    yield 398
    document = "Shared drive: Legal/MOU/SRO-MOU-current.pdf"
    s.work("hana", review, "prepare_mou", mou_document=document, changes_proposed=None)
    yield 390
    s.work("ada", review, "agency_review", agency_decision="sign_off", agency_change_requests=None)
    s.work(
        "lina",
        review,
        "district_review",
        district_decision="request_changes",
        district_change_requests="Section 4: name the school's threat assessment team.",
    )
    yield 383
    s.work(
        "hana",
        review,
        "revise_mou",
        mou_document=document,
        revision_notes="Section 4 now names the threat assessment team.",
    )
    yield 378
    s.work("ada", review, "agency_review", agency_decision="sign_off", agency_change_requests=None)
    s.work(
        "rosa",
        review,
        "district_review",
        district_decision="sign_off",
        district_change_requests=None,
    )
    yield 6  # next year's review started a week ago, a year after the sign-off
    year = s.service.get_instance(review).data["review_year"]
    this_year = s.started("mou_review", review_year=year + 1)
    s.work(
        "hana",
        this_year,
        "prepare_mou",
        mou_document=document,
        changes_proposed="Add the new elementary position at Washington Elementary.",
    )


_STORYLINES: dict[str, tuple[Storyline, ...]] = {
    "sro_selection": (otto_reyes, maya_chen, lincoln_second_position, washington_new_position),
    "mou_review": (mou_reviews,),
}
# Every process a storyline drives (selection starts probation, evaluation and training).
_STORY_PROCESSES = {
    "sro_selection",
    "sro_probation",
    "sro_evaluation",
    "sro_training",
    "mou_review",
}


# -- processes the story does not know: start a few and walk them ---------------------------


def _worker(task: TaskRecord, users: list[UserRecord], scoped: set[str]) -> str | None:
    """A demo user who may work the task (the engine checks again when completing)."""
    if task.assignee:
        return task.assignee
    for user in users:
        if user.username in task.candidate_users:
            return user.username
        for role in set(user.roles).intersection(task.candidate_roles):
            if role not in scoped or task.school_id is None or task.school_id in user.schools:
                return user.username
    return None


def _starter(service: EngineService, process_id: str) -> str | None:
    for username in ("hana", "root"):
        startable = service.list_startable_processes(username)
        if process_id in {p.process_id for p in startable}:
            return username
    return None


def _walk_unknown(service: EngineService, process, rng: random.Random, result) -> None:
    """Start one instance per stage at the schools in turn; complete 0-3 tasks of each."""
    starter = _starter(service, process.process_id)
    if starter is None:
        result.notes.append(f"no demo user may start {process.process_id}")
        return
    users = [u for u in service.list_users() if u.active]
    scoped = {r.key for r in service.list_roles() if r.school_scoped}
    for number, steps in enumerate(GENERIC_STAGES):
        known = {
            "school_id": SCHOOLS[number % len(SCHOOLS)][0],
            "candidate_name": person_name(rng),
            "officer_id": "otto",
            "officer_name": "Otto Reyes",
        }
        try:
            data = fill_form(process.start_form, rng, service.clock.now(), known)
            if not process.start_form:
                data = {"school_id": known["school_id"]}
            instance = service.start_instance(process.process_id, username=starter, data=data)
            for _ in range(steps):
                record = service.get_instance(instance.id)
                if record.state != "running" or not record.open_tasks:
                    break
                task = record.open_tasks[0]
                worker = _worker(task, users, scoped)
                if worker is None:
                    break
                form = service.get_task(task.id, username=worker).form
                values = fill_form(form, rng, service.clock.now())
                service.complete_task(task.id, username=worker, data=values)
        except EngineError as error:
            result.notes.append(f"{process.process_id}: stopped early: {error}")
            return


# -- putting it together ---------------------------------------------------------------------


def load_demo(
    service: EngineService,
    workflows: Path,
    *,
    seed: int | None = None,
    with_passwords: bool = True,
) -> DemoResult:
    """Create the demo people, deploy `workflows` (a folder or one file) and play the story
    up to the service clock's now. The service's clock must be a FixedClock.

    `with_passwords=False` creates users who cannot sign in (hashing ten passwords takes
    about a second; some tests do not need them)."""
    result = DemoResult()
    rng = random.Random(seed)
    story = _Story(service, rng)  # refuses a clock it cannot move, before anything is written
    fresh = not service.list_instances(limit=1)
    if fresh:  # people and processes appear on the story's first day
        service.clock.set(story.today - timedelta(days=STORY_DAYS))
    _add_people(service, result, with_passwords)
    _deploy(service, workflows, result)
    deployed = {p.process_id for p in service.list_processes()}
    storylines = [
        line
        for process_id, lines in _STORYLINES.items()
        if process_id in deployed
        for line in lines
    ]
    if fresh:
        story.play(storylines, result)
        _read_settled_notifications(service)
    elif storylines:
        result.notes.append(
            "instances exist already: the story, which starts 20 months back, needs a "
            "database without instances; only people and processes were added"
        )
    for process in service.list_processes():
        if process.process_id not in _STORY_PROCESSES:
            _walk_unknown(service, process, rng, result)
    result.waiting = _waiting(service)
    return result


def _read_settled_notifications(service: EngineService) -> None:
    """People kept up with their notifications during the story: those about tasks that are
    done are read; those about open tasks are not."""
    open_tasks = {
        task.id
        for brief in service.list_instances(state="running", limit=1000)
        for task in service.get_instance(brief.id).open_tasks
    }
    for user in service.list_users():
        for note in service.list_notifications(
            username=user.username, unread_only=True, limit=1000
        ):
            if note.task_id not in open_tasks:
                service.mark_notification_read(note.id, username=user.username)


def _waiting(service: EngineService) -> list[str]:
    """One line per running instance: what it is about and who it waits for."""
    lines = []
    names = {p.process_id: p.name for p in service.list_processes()}
    for brief in sorted(service.list_instances(state="running", limit=1000), key=lambda i: i.id):
        instance = service.get_instance(brief.id)
        about = f"#{instance.id} {names.get(instance.process_id, instance.process_id)}"
        if instance.subject:
            about += f": {instance.subject}"
        if instance.open_tasks:
            tasks = "; ".join(
                f"{t.name} ({t.assignee or ', '.join(t.candidate_roles)})"
                for t in instance.open_tasks
            )
            lines.append(f"{about}; waiting for {tasks}")
        else:
            lines.append(f"{about}; waiting for a timer")
    return lines


def print_result(result: DemoResult, out: Callable[[str], None] = print) -> None:
    """The one place the passwords appear: they are not stored anywhere in clear text."""
    if result.passwords:
        out("Demo users (passwords are shown only now; write them down):")
        width = max(len(u) for u in result.passwords)
        people = {p.username: p for p in PEOPLE}
        for username, password in result.passwords.items():
            person = people[username]
            where = f", {', '.join(person.schools)}" if person.schools else ""
            roles = ", ".join(person.roles)
            out(f"  {username.ljust(width)}  {password}  {person.name} ({roles}{where})")
    for line in result.deployed:
        out(f"deployed {line}")
    for line in result.waiting:
        out(f"instance {line}")
    for note in result.notes:
        out(f"note: {note}")
