"""Fixtures for the workflow scenarios: the shipped diagrams deployed, and a driver."""

from __future__ import annotations

import pytest

from tests.workflows.driver import WORKFLOWS, Driver


@pytest.fixture
def driver(people, clock):
    """The engine with the `people` fixture's users and every shipped diagram deployed."""
    people.deploy_files([WORKFLOWS], deployed_by="pat")
    return Driver(people, clock)
