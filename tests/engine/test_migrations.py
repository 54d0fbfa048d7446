"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, inspect, text

from engine.bpmn import serializer
from engine.db.migrate import alembic_config
from engine.db.models import Base, Instance, ProcessVersion
from tests.engine.samples import DATA, check_in


def test_migrated_schema_matches_the_models(service):
    with service.db_engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []


def _where(text_clause) -> str | None:
    """A partial index's WHERE as both databases agree to write it (PostgreSQL adds casts
    and parentheses to what the migration said)."""
    if text_clause is None:
        return None
    where = re.sub(r"::[a-z]+( varying)?|[()]", "", str(text_clause))
    return " ".join(where.lower().split())


def _modelled_indexes(service) -> dict:
    """{index name: WHERE} of every index the models declare, on this database."""
    dialect = service.db_engine.dialect.name
    return {
        index.name: _where(index.dialect_options[dialect]["where"])
        for table in Base.metadata.tables.values()
        for index in table.indexes
    }


def _migrated_indexes(service) -> dict:
    """{index name: WHERE} of every index the database has on the models' tables (those
    it has: an older revision lacks the later ones)."""
    dialect = service.db_engine.dialect.name
    with service.db_engine.connect() as conn:
        inspector = inspect(conn)
        return {
            index["name"]: _where(index.get("dialect_options", {}).get(f"{dialect}_where"))
            for table in Base.metadata.tables
            if inspector.has_table(table)
            for index in inspector.get_indexes(table)
        }


def _assert_indexes_as_modelled(service) -> None:
    modelled, migrated = _modelled_indexes(service), _migrated_indexes(service)
    # PostgreSQL also lists the indexes behind unique constraints, which are whole.
    assert {name: where for name, where in migrated.items() if where or name in modelled} == (
        modelled
    )


def test_migrated_indexes_hold_the_rows_the_models_say(service):
    """Alembic's comparison ignores an index's WHERE: a partial index the models declare
    but the migrations build whole (or the reverse) would pass it unnoticed."""
    _assert_indexes_as_modelled(service)
    modelled = _modelled_indexes(service)
    assert modelled["ix_tasks_completed_by"] == "completed_by is not null"
    assert modelled["ix_task_candidates_user"] == "username is not null"


def test_going_back_before_0009_makes_the_indexes_whole_again(service):
    config = alembic_config(service.db_engine.url.render_as_string(hide_password=False))
    with service.db_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
    migrated = _migrated_indexes(service)
    for name in (
        "ix_tasks_completed_by",
        "ix_task_candidates_user",
        "ix_task_candidates_role_school",
        "ix_tasks_state_assignee",
    ):
        assert migrated[name] is None
    assert "ix_audit_events_at" in migrated
    service.upgrade_database()
    _assert_indexes_as_modelled(service)


def _plans(service, work) -> str:
    """The query plans of the task and candidate queries `work` runs, as one text."""
    statements = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "tasks" in statement:
            statements.append((statement, parameters))

    event.listen(service.db_engine, "before_cursor_execute", grab)
    try:
        work()
    finally:
        event.remove(service.db_engine, "before_cursor_execute", grab)
    sqlite = service.db_engine.dialect.name == "sqlite"
    plans = []
    connection = service.db_engine.raw_connection()
    try:
        cursor = connection.cursor()
        if not sqlite:  # empty tables: ask which index it can use, not whether it pays
            cursor.execute("SET enable_seqscan = off")
        explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
        for statement, parameters in statements:
            cursor.execute(explain + statement, parameters)
            plans += [str(row[-1] if sqlite else row[0]) for row in cursor.fetchall()]
    finally:
        connection.rollback()
        connection.close()
    return "\n".join(plans)


def test_queries_still_read_the_partial_indexes(people):
    """A partial index serves a query only when the query's WHERE implies the index's
    (`username = ?` implies `username IS NOT NULL`): these lookups must keep doing so."""
    plans = _plans(
        people,
        lambda: (
            people.count_tasks(username="hana", view="completed"),
            people.count_tasks(username="otto", view="all"),
            people.count_tasks(username="sam", view="all"),
            people.list_instances(username="otto"),
        ),
    )
    partial = ["ix_tasks_completed_by", "ix_task_candidates_user", "ix_task_candidates_role_school"]
    if people.db_engine.dialect.name == "sqlite":  # ready tasks only there: `state = ?`
        partial.append("ix_tasks_state_assignee")  # matches through its bound value
    for index in partial:
        assert index in plans


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
