"""Shared fixtures: a migrated database on SQLite and, when SROFLOW_TEST_POSTGRES_URL is set,
on PostgreSQL too; every test that asks for `service` runs on both."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from engine import EngineService, FixedClock
from engine.db.session import make_db_engine, normalize_url

DATA = Path(__file__).parent / "data"
POSTGRES_URL = os.environ.get("SROFLOW_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A fresh, empty database URL: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sroflow.db'}"
        return
    admin = create_engine(normalize_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"sroflow_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = normalize_url(POSTGRES_URL).rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def clock():
    return FixedClock()


@pytest.fixture
def service(database_url, clock):
    """A migrated, empty engine with the seed roles, on each backend."""
    db_engine = make_db_engine(database_url)
    svc = EngineService(db_engine=db_engine, clock=clock)
    svc.upgrade_database()
    yield svc
    db_engine.dispose()


def add_people(service) -> None:
    """Two schools and one user per role (school admins and SROs belong to one school)."""
    service.add_school("lincoln_high", "Lincoln High School")
    service.add_school("roosevelt_middle", "Roosevelt Middle School")
    service.add_user("hana", roles=["hr"], password="hr-password")
    service.add_user("sam", roles=["supervisor"])
    service.add_user("ada", roles=["agency_head"])
    service.add_user("lina", roles=["school_admin"], schools=["lincoln_high"])
    service.add_user("rosa", roles=["school_admin"], schools=["roosevelt_middle"])
    service.add_user("otto", roles=["sro"], schools=["lincoln_high"])
    service.add_user("root", roles=["admin"])
    service.add_user("pat", roles=["process_owner"])


@pytest.fixture
def people(service):
    """The `service` with `add_people`'s schools and users."""
    add_people(service)
    return service
