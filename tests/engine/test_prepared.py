"""Statements handed straight to the driver read and write what SQLAlchemy would."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from engine.clock import as_utc
from engine.db.models import AuditEvent, Instance, School
from engine.db.prepared import Prepared
from engine.db.row_writes import read_plain_rows, select_plain, write_changes
from engine.errors import ConflictError
from tests.engine.samples import DATA

_events = AuditEvent.__table__
_INSERT_EVENT = Prepared(insert(_events), keys=("at", "type", "username", "instance_id", "details"))
_EVENT = Prepared(select_plain(_events).where(_events.c.type == bindparam("type")))
_INSERT_SCHOOL = Prepared(insert(School.__table__), keys=("id", "name"))
_instances = Instance.__table__
_INSTANCE = Prepared(select_plain(_instances).where(_instances.c.id == bindparam("id")))
AT = datetime(2026, 11, 30, 9, 30, 15, 123456, tzinfo=UTC)
DETAILS = {"values": {"score": 7, "notes": None}, "changed": {"rating": ["fair", "good"]}}


def test_values_written_and_read_come_back_as_the_orm_gives_them(service):
    with service._sessions() as session:
        _INSERT_EVENT.run_many(
            session,
            [
                {
                    "at": AT,
                    "type": "started",
                    "username": "hana",
                    "instance_id": 7,
                    "details": DETAILS,
                }
            ],
        )
        session.commit()
        orm = session.scalars(select(AuditEvent).where(AuditEvent.type == "started")).one()
        (plain,) = read_plain_rows(session, (_events,), _EVENT, {"type": "started"})
    assert orm.details == DETAILS and plain.details == DETAILS
    assert as_utc(orm.at) == AT and as_utc(plain.at) == AT
    assert (plain.id, plain.username, plain.instance_id) == (orm.id, "hana", 7)


def test_a_driver_error_is_sqlalchemys_so_callers_see_a_conflict(service):
    service.add_school("lincoln_high", "Lincoln High School")
    with service._sessions() as session:
        with pytest.raises(IntegrityError):
            _INSERT_SCHOOL.run(session, {"id": "lincoln_high", "name": "Again"})
        session.rollback()

    def collide(ctx):
        _INSERT_SCHOOL.run(ctx.session, {"id": "lincoln_high", "name": "Again"})

    with pytest.raises(ConflictError):
        service._run(collide)
    assert [s.name for s in service.list_schools()] == ["Lincoln High School"]


def test_a_plain_row_writes_what_changed_and_checks_its_version(people):
    people.deploy_files([str(DATA / "candidate_review.bpmn")])
    instance_id = people.start_instance("candidate_review", username="hana", data={}).id
    with people._sessions() as session:
        ((mine,), (theirs,)) = (
            read_plain_rows(session, (_instances,), _INSTANCE, {"id": instance_id})
            for _ in range(2)
        )
        assert mine.changed_values() == {}
        mine.subject = "Jordan Example"
        assert mine.changed_values() == {"subject": "Jordan Example"}
        write_changes(session, mine)
        theirs.subject = "Someone else"
        with pytest.raises(ConflictError):
            write_changes(session, theirs)  # read before mine was written
        mine.subject = "Jordan Example II"
        write_changes(session, mine)  # it knows its own new row version
        session.commit()
    assert people.get_instance(instance_id).subject == "Jordan Example II"


def test_values_written_into_the_statement_itself_are_sent_too(service):
    service.add_school("lincoln_high", "Lincoln High School")
    schools = School.__table__
    rename = Prepared(
        update(schools).where(schools.c.id == bindparam("id")).values(name="Lincoln High")
    )
    with service._sessions() as session:
        assert rename.run(session, {"id": "lincoln_high"}) == 1
        session.commit()
    assert [s.name for s in service.list_schools()] == ["Lincoln High"]
