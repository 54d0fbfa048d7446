"""Fixture data shared by the engine tests: the fixture folder, a qualified candidate, and
a check-in of the two-loop diagram."""

from pathlib import Path

DATA = Path(__file__).parents[1] / "data" / "engine"

CANDIDATE = {
    "candidate_name": "Jordan Reyes",
    "years_experience": 6,
    "youth_engagement": True,
    "communication": "good",
}


def check_in(service, instance_id: int, branch: str, again: bool = True) -> None:
    """Complete loop `branch`'s check-in of check_in_loops.bpmn as HR; `again` loops."""
    task = next(
        t for t in service.get_instance(instance_id).open_tasks if t.element_id == f"check_{branch}"
    )
    values = {f"again_{branch}": again, f"note_{branch}": f"{branch} ok"}
    service.complete_task(task.id, username="hana", data=values)
