"""Fixture data shared by the engine tests: the fixture folder and a qualified candidate."""

from pathlib import Path

DATA = Path(__file__).parents[1] / "data" / "engine"

CANDIDATE = {
    "candidate_name": "Jordan Reyes",
    "years_experience": 6,
    "youth_engagement": True,
    "communication": "good",
}
