"""One engine call's unit of work: statements on its connection and the ORM session made on
demand commit together, or not at all."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from engine import EngineService, audit
from engine.db.models import AuditEvent, School
from engine.db.prepared import Prepared
from engine.db.unit import IdleConnections, UnitOfWork

_INSERT_SCHOOL = Prepared(insert(School.__table__), keys=("id", "name"))
AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _unit(service) -> UnitOfWork:
    return UnitOfWork(service.db_engine, service._sessions, before_commit=(audit.write_pending,))


def _schools(service) -> list[str]:
    return sorted(s.id for s in service.list_schools())


def _events(service) -> list[str]:
    with service._sessions() as session:
        return session.scalars(select(AuditEvent.process_id).order_by(AuditEvent.id)).all()


def test_statements_and_the_session_share_one_transaction(service):
    unit = _unit(service)
    _INSERT_SCHOOL.run(unit, {"id": "lincoln_high", "name": "Lincoln High School"})
    # The session sees the unit's uncommitted row, and its own change joins it.
    assert unit.session.get(School, "lincoln_high").name == "Lincoln High School"
    unit.session.add(School(id="roosevelt_middle", name="Roosevelt Middle School"))
    unit.commit()
    unit.close()
    assert _schools(service) == ["lincoln_high", "roosevelt_middle"]


def test_closing_without_commit_writes_nothing(service):
    unit = _unit(service)
    _INSERT_SCHOOL.run(unit, {"id": "lincoln_high", "name": "Lincoln High School"})
    unit.session.add(School(id="roosevelt_middle", name="Roosevelt Middle School"))
    unit.flush()
    audit.record(unit, "deployed", at=AT, process_id="never_deployed")
    unit.close()
    assert _schools(service) == []
    assert _events(service) == []


def test_audit_events_keep_their_order_whether_given_the_unit_or_its_session(service):
    unit = _unit(service)
    audit.record(unit, "deployed", at=AT, process_id="first")
    audit.record(unit.session, "deployed", at=AT, process_id="second")
    audit.record(unit, "deployed", at=AT, process_id="third")
    unit.commit()
    unit.close()
    assert _events(service) == ["first", "second", "third"]


def test_a_failed_commit_leaves_nothing_behind(service):
    service.add_school("lincoln_high", "Lincoln High School")
    unit = _unit(service)
    _INSERT_SCHOOL.run(unit, {"id": "roosevelt_middle", "name": "Roosevelt Middle School"})
    unit.session.add(School(id="lincoln_high", name="Again"))  # collides at the flush
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        unit.commit()
    unit.close()
    assert _schools(service) == ["lincoln_high"]


def _kept_unit(service, idle: IdleConnections) -> UnitOfWork:
    return UnitOfWork(service.db_engine, service._sessions, idle=idle)


def _dbapi(unit: UnitOfWork):
    return unit.connection().connection.dbapi_connection


def test_a_committed_units_connection_serves_the_next_unit(tmp_path):
    service = EngineService(f"sqlite:///{tmp_path / 'kept.db'}")
    service.upgrade_database()
    idle = IdleConnections(service.db_engine)
    first = _kept_unit(service, idle)
    _INSERT_SCHOOL.run(first, {"id": "lincoln_high", "name": "Lincoln High School"})
    used = _dbapi(first)
    first.commit()
    first.close()
    assert len(idle) == 1
    second = _kept_unit(service, idle)
    assert _dbapi(second) is used and len(idle) == 0
    # A unit that did not commit rolls back and gives its connection to the pool instead.
    _INSERT_SCHOOL.run(second, {"id": "roosevelt_middle", "name": "Roosevelt Middle School"})
    second.close()
    assert len(idle) == 0
    third = _kept_unit(service, idle)
    assert third.connection().execute(select(School.id)).scalars().all() == ["lincoln_high"]
    kept = _dbapi(third)
    third.commit()
    third.close()
    assert len(idle) == 1
    service.db_engine.dispose()  # closes the kept connections too
    assert len(idle) == 0
    with pytest.raises(sqlite3.ProgrammingError):
        kept.execute("SELECT 1")
