"""Deploy BPMN/DMN files as new process versions, and serve parsed specs per version.

A deployment is parsed together with the latest stored files of every other process and
decision, so call activities and `decisionRef`s resolve across files and deployments. A
process gets a new version only when the content of its bundle (its own file, the processes
it calls, the decision tables it uses) changed. Any problem refuses the whole deployment.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.bpmn import serializer
from engine.bpmn.checks import (
    check_library_files,
    decision_refs,
    process_element,
    start_message_names,
    start_timer_definitions,
    starter_roles,
)
from engine.bpmn.parser import (
    ParseFailure,
    SourceFile,
    executable_process_ids,
    form_from_dict,
    load_specs,
    parse_files,
    start_form_dict,
)
from engine.clock import as_utc
from engine.db.models import DecisionVersion, DefinitionFile, Deployment, ProcessVersion
from engine.errors import DeploymentError, DeploymentProblem, NotFoundError
from engine.forms import fields_from_form
from engine.records import DeployedProcess, DeploymentResult, ProcessRecord

DEFINITION_SUFFIXES = (".bpmn", ".dmn", ".bpmn20.xml", ".dmn11.xml")


def read_source_files(paths: list[str]) -> list[SourceFile]:
    """Files and folders (searched recursively for .bpmn/.dmn) as `SourceFile`s."""
    files: list[SourceFile] = []
    problems: list[DeploymentProblem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.name.endswith(DEFINITION_SUFFIXES)
            )
            if not found:
                problems.append(DeploymentProblem(str(path), "folder holds no .bpmn or .dmn file"))
            targets = found
        elif path.is_file():
            targets = [path]
        else:
            problems.append(DeploymentProblem(str(path), "no such file or folder"))
            continue
        for target in targets:
            try:
                files.append(SourceFile(target.name, target.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as error:
                problems.append(DeploymentProblem(str(target), f"cannot be read: {error}"))
    if problems:
        raise DeploymentError(problems)
    return files


def latest_versions(session: Session) -> dict[str, ProcessVersion]:
    newest = (
        select(ProcessVersion.process_id, func.max(ProcessVersion.version).label("v"))
        .group_by(ProcessVersion.process_id)
        .subquery()
    )
    rows = session.scalars(
        select(ProcessVersion).join(
            newest,
            (ProcessVersion.process_id == newest.c.process_id)
            & (ProcessVersion.version == newest.c.v),
        )
    )
    return {row.process_id: row for row in rows}


def _latest_decision_files(session: Session) -> dict[str, int]:
    newest = (
        select(DecisionVersion.decision_id, func.max(DecisionVersion.version).label("v"))
        .group_by(DecisionVersion.decision_id)
        .subquery()
    )
    rows = session.execute(
        select(DecisionVersion.decision_id, DecisionVersion.file_id).join(
            newest,
            (DecisionVersion.decision_id == newest.c.decision_id)
            & (DecisionVersion.version == newest.c.v),
        )
    )
    return dict(rows.all())


def _context_files(session: Session, new_names: set[str]) -> list[SourceFile]:
    """The latest stored files that define something, except those the deployment replaces."""
    file_ids = {row.file_ids[0] for row in latest_versions(session).values()}
    file_ids |= set(_latest_decision_files(session).values())
    context = []
    for stored in session.scalars(select(DefinitionFile).where(DefinitionFile.id.in_(file_ids))):
        if stored.file_name not in new_names:
            context.append(SourceFile(stored.file_name, stored.content))
    return context


def _bundle(library, process_id: str, subprocess_specs: dict) -> list[str]:
    """The files whose content defines this process version, its own file first."""
    own = library.process_files[process_id]
    names = [own]
    for pid in [process_id, *subprocess_specs]:
        if pid in library.process_files and library.process_files[pid] not in names:
            names.append(library.process_files[pid])
    for pid in [process_id, *subprocess_specs]:
        element = process_element(library, pid)
        for ref in decision_refs(element) if element is not None else []:
            name = library.decision_files.get(ref)
            if name and name not in names:
                names.append(name)
    return names


def deploy(
    session: Session,
    files: list[SourceFile],
    *,
    deployed_by: str | None,
    role_lookup: dict[str, str],
    now,
) -> tuple[DeploymentResult, list]:
    """Validate and store `files`; raises DeploymentError (nothing stored) on any problem.

    Also returns the new version rows with their timer start events, to be scheduled.
    """
    names = [f.name for f in files]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if not files:
        raise DeploymentError([DeploymentProblem(None, "nothing to deploy")])
    if duplicates:
        raise DeploymentError(
            [DeploymentProblem(n, "named twice in one deployment") for n in duplicates]
        )
    context = _context_files(session, set(names))
    by_name = {f.name: f for f in [*context, *files]}
    try:
        library = parse_files([*context, *files])
        problems = check_library_files(library, names, role_lookup)
        if problems:
            raise DeploymentError(problems)
        touched: dict[str, tuple[list[str], str]] = {}
        for process_id in executable_process_ids(library):
            if process_id not in library.process_files:
                continue  # an embedded sub-process: part of its parent's spec
            spec, subprocess_specs = load_specs(library, process_id)
            bundle = _bundle(library, process_id, subprocess_specs)
            if set(bundle) & set(names):
                touched[process_id] = (bundle, serializer.spec_to_json(spec, subprocess_specs))
    except ParseFailure as failure:
        raise DeploymentError(failure.problems) from None
    new_files_defined = {library.process_files.get(pid) for pid in library.parser.get_process_ids()}
    for name in names:
        if library.kinds.get(name) == "bpmn" and name not in new_files_defined:
            problems.append(
                DeploymentProblem(name, 'defines no executable process (isExecutable="true")')
            )
    if problems:
        raise DeploymentError(problems)
    return _store(session, library, by_name, names, touched, deployed_by, now)


def _store(session, library, by_name, names, touched, deployed_by, now):
    deployment = Deployment(deployed_at=now, deployed_by=deployed_by, file_names=names)
    session.add(deployment)
    session.flush()
    file_rows: dict[str, DefinitionFile] = {}
    for name in {n for bundle, _ in touched.values() for n in bundle} | set(names):
        source = by_name[name]
        row = session.scalar(
            select(DefinitionFile).where(DefinitionFile.content_hash == source.content_hash)
        )
        if row is None:
            row = DefinitionFile(
                content_hash=source.content_hash,
                file_name=name,
                kind=library.kinds[name],
                content=source.content,
            )
            session.add(row)
            session.flush()
        file_rows[name] = row
    latest = latest_versions(session)
    results = []
    new_versions = []
    for process_id, (bundle, spec_json) in sorted(touched.items()):
        bundle_hash = hashlib.sha256(
            "\n".join(sorted(file_rows[n].content_hash for n in bundle)).encode()
        ).hexdigest()
        current = latest.get(process_id)
        if current is not None and current.bundle_hash == bundle_hash:
            results.append(DeployedProcess(process_id, current.version, changed=False))
            continue
        element = process_element(library, process_id)
        version = ProcessVersion(
            process_id=process_id,
            version=(current.version + 1) if current else 1,
            name=(element.get("name") if element is not None else None) or process_id,
            bundle_hash=bundle_hash,
            file_ids=[file_rows[n].id for n in bundle],
            spec_json=spec_json,
            starter_roles=starter_roles(element) if element is not None else [],
            start_form=start_form_dict(element) if element is not None else None,
            start_messages=start_message_names(element) if element is not None else [],
            deployment_id=deployment.id,
            deployed_at=now,
        )
        session.add(version)
        session.flush()
        if element is not None:
            new_versions.append((version, start_timer_definitions(element)))
        results.append(DeployedProcess(process_id, version.version, changed=True))
    decision_files = _latest_decision_files(session)
    for decision_id, name in sorted(library.decision_files.items()):
        if name in names and decision_files.get(decision_id) != file_rows[name].id:
            previous = session.scalar(
                select(func.max(DecisionVersion.version)).where(
                    DecisionVersion.decision_id == decision_id
                )
            )
            session.add(
                DecisionVersion(
                    decision_id=decision_id,
                    version=(previous or 0) + 1,
                    file_id=file_rows[name].id,
                    deployment_id=deployment.id,
                )
            )
    session.flush()
    return DeploymentResult(deployment.id, tuple(results)), new_versions


def list_processes(session: Session) -> list[ProcessRecord]:
    """The latest version of every deployed process."""
    return [
        process_record(row)
        for row in sorted(latest_versions(session).values(), key=lambda r: r.process_id)
    ]


def latest_version(session: Session, process_id: str) -> ProcessVersion:
    row = session.scalar(
        select(ProcessVersion)
        .where(ProcessVersion.process_id == process_id)
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    )
    if row is None:
        raise NotFoundError(f"no process '{process_id}' is deployed")
    return row


def process_xml(session: Session, process_id: str, version: int | None = None) -> str:
    """The XML of the file that defines `process_id` in the given (or latest) version."""
    if version is None:
        row = latest_version(session, process_id)
    else:
        row = session.scalar(
            select(ProcessVersion).where(
                ProcessVersion.process_id == process_id, ProcessVersion.version == version
            )
        )
        if row is None:
            raise NotFoundError(f"process '{process_id}' has no version {version}")
    return session.get(DefinitionFile, row.file_ids[0]).content


def process_record(row: ProcessVersion) -> ProcessRecord:
    return ProcessRecord(
        row.process_id,
        row.version,
        row.name,
        as_utc(row.deployed_at),
        tuple(row.starter_roles or ()),
        start_form_fields(row),
    )


def start_form_fields(row: ProcessVersion):
    """The start event's form as plain fields (empty when the process has none)."""
    return fields_from_form(form_from_dict(row.start_form))
