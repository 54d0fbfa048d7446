"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from engine.bpmn import serializer
from engine.db.migrate import alembic_config
from engine.db.models import Base, Instance, ProcessVersion
from tests.engine.samples import DATA, check_in


def test_migrated_schema_matches_the_models(service):
    with service.db_engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []


def test_going_back_before_0006_puts_frozen_tasks_back_in_their_rows(people, monkeypatch):
    """Downgrading past the chunk table loses no history: each instance's chunks go back
    in front of the tasks in its row, which then loads as the whole workflow."""
    monkeypatch.setattr(serializer, "FREEZE_BATCH", 4)
    people.deploy_files([str(DATA / "check_in_loops.bpmn")])
    instance = people.start_instance(
        "check_in_loops", username="hana", data={"school_id": "lincoln_high", "cycles_a": 0}
    )
    for cycle in range(16):
        check_in(people, instance.id, "ab"[cycle % 2])
    with people._sessions() as session:
        row = session.get(Instance, instance.id)
        assert row.frozen_tasks > 0
        spec_json = session.get(ProcessVersion, row.process_version_id).spec_json
        chunks = [
            text_
            for (text_,) in session.execute(
                text("SELECT tasks_json FROM instance_task_chunks ORDER BY seq")
            )
        ]
        whole = serializer.workflow_to_json(
            serializer.workflow_from_json(row.workflow_state, spec_json, chunks=chunks)
        )

    config = alembic_config(people.db_engine.url.render_as_string(hide_password=False))
    with people.db_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    with people.db_engine.connect() as connection:
        state = connection.execute(
            text("SELECT workflow_state FROM instances WHERE id = :id"), {"id": instance.id}
        ).scalar_one()
    assert serializer.workflow_to_json(serializer.workflow_from_json(state, spec_json)) == whole
    people.upgrade_database()  # and forward again, for the fixture's teardown
