"""Fixtures for the web app: `app` (CSRF off, the two test processes deployed), `client`,
`auth` (sign in as one of the `people`), `csrf_client` (CSRF on) and helpers to put
instances where a test needs them; `deployed` is the engine service behind `app`.

Passwords are set only for the users a test signs in as (`with_password`): hashing one
takes about 0.1 s, too long to do for every user in every test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from webui import create_app

ROOT = Path(__file__).resolve().parents[2]
CANDIDATE_REVIEW = ROOT / "tests" / "data" / "engine" / "candidate_review.bpmn"
OFFICER_FEEDBACK = Path(__file__).parent / "data" / "officer_feedback.bpmn"
GOOD_CANDIDATE = {
    "candidate_name": "Jordan Lee",
    "years_experience": "6",
    "youth_engagement": "true",
    "basic_course_date": "2015-06-01",
    "communication": "good",
}


def password(username: str) -> str:
    """Each test user's password once `with_password` has set it (hana's comes with `people`)."""
    return "hr-password" if username == "hana" else f"{username}-password"


def with_password(service, username: str) -> str:
    """Give the user their test password (if not done yet in this test) and return it."""
    done = service.__dict__.setdefault("_test_passwords", {"hana"})
    if username not in done:
        service.set_password(username, password(username))
        done.add(username)
    return password(username)


@pytest.fixture
def deployed(people):
    """The engine with `people` and both test processes deployed."""
    people.deploy_files([str(CANDIDATE_REVIEW), str(OFFICER_FEEDBACK)], deployed_by="pat")
    return people


def make_app(service, **config):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SERVICE": service,
            "WTF_CSRF_ENABLED": False,
            **config,
        }
    )


@pytest.fixture
def app(deployed):
    return make_app(deployed)


@pytest.fixture
def client(app):
    return app.test_client()


class AuthActions:
    def __init__(self, client, service):
        self._client = client
        self._service = service

    def login(self, username: str = "hana", secret: str | None = None):
        if secret is None:
            secret = with_password(self._service, username)
        return self._client.post("/login", data={"username": username, "password": secret})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client, deployed):
    return AuthActions(client, deployed)


@pytest.fixture
def csrf_app(deployed):
    return make_app(deployed, WTF_CSRF_ENABLED=True)


@pytest.fixture
def csrf_client(csrf_app):
    return csrf_app.test_client()


def csrf_token(client, url: str = "/login") -> str:
    """The CSRF token a page of the app hands out (as a hidden input)."""
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def start_review(service, school_id: str = "lincoln_high", username: str = "hana"):
    """A candidate review waiting at "Record candidate" (HR)."""
    return service.start_instance(
        "candidate_review", username=username, data={"school_id": school_id}
    )


def review_at_interview(service, school_id: str = "lincoln_high", name: str = "Jordan Lee"):
    """A candidate review waiting at "Interview candidate" (the school's administrator)."""
    instance = start_review(service, school_id)
    data = {**GOOD_CANDIDATE, "candidate_name": name}
    service.complete_task(instance.open_tasks[0].id, username="hana", data=data)
    return service.get_instance(instance.id)


def start_feedback(service, school_id: str = "lincoln_high", officer: str = "Otto Reyes"):
    """Officer feedback waiting at "Give feedback" (school administrator), due in 3 days."""
    return service.start_instance(
        "officer_feedback",
        username="hana",
        data={"officer_name": officer, "school_id": school_id},
    )


def text(response) -> str:
    return response.get_data(as_text=True)
