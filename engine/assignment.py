"""Who may work a user task: candidates from `camunda:candidateGroups`, `candidateUsers`,
`assignee`, or else the task's lane, plus school scoping.

A lane maps to the role whose key or display name equals the lane's name, ignoring case
and treating spaces, hyphens and underscores alike ("School administrator" and
"school_admin" both work).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from engine.identity import Actor

_SEPARATORS = re.compile(r"[\s_\-]+")


@lru_cache(maxsize=1024)  # a few lane and group names, looked up for every new task
def normalize_role_name(text: str) -> str:
    return _SEPARATORS.sub(" ", text.strip().lower())


def role_lookup(roles: dict[str, str]) -> dict[str, str]:
    """Normalized key or display name → role key, from {key: display name}."""
    lookup: dict[str, str] = {}
    for key, name in roles.items():
        lookup[normalize_role_name(name)] = key
        lookup[normalize_role_name(key)] = key
    return lookup


def split_list(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


@dataclass(frozen=True)
class Candidates:
    roles: tuple[str, ...]
    users: tuple[str, ...]
    assignee: str | None


def find_candidates(
    assignment: dict[str, str], lane: str | None, data: dict, lookup: dict[str, str]
) -> Candidates:
    """Resolve the candidates of a ready task; `assignment` holds the camunda attributes.

    `camunda:assignee` names a user directly, or a process variable holding a username.
    """
    roles = [
        lookup.get(normalize_role_name(g), g) for g in split_list(assignment.get("candidateGroups"))
    ]
    users = split_list(assignment.get("candidateUsers"))
    assignee = None
    raw_assignee = assignment.get("assignee")
    if raw_assignee:
        value = data.get(raw_assignee, raw_assignee)
        assignee = value if isinstance(value, str) and value else None
    if not roles and not users and not assignee and lane:
        role = lookup.get(normalize_role_name(lane))
        if role:
            roles = [role]
    return Candidates(tuple(dict.fromkeys(roles)), tuple(dict.fromkeys(users)), assignee)


def assignment_problem(
    assignment: dict[str, str], lane: str | None, lookup: dict[str, str]
) -> str | None:
    """Why a user task's candidates cannot be found (checked at deployment), or None."""
    groups = split_list(assignment.get("candidateGroups"))
    unknown = [g for g in groups if normalize_role_name(g) not in lookup]
    if unknown:
        known = sorted(set(lookup.values()))
        return (
            f"camunda:candidateGroups names unknown role(s) {', '.join(unknown)};"
            f" known roles: {', '.join(known)}"
        )
    for name in ("assignee", "candidateUsers", "candidateGroups"):
        if "${" in (assignment.get(name) or "") or "#{" in (assignment.get(name) or ""):
            return (
                f"camunda:{name} uses an expression; write a username, a role key, "
                "or (for assignee) the name of a process variable holding a username"
            )
    if groups or split_list(assignment.get("candidateUsers")) or assignment.get("assignee"):
        return None
    if lane is None:
        return (
            "user task has no candidates: put it in a lane named after a role "
            "(e.g. HR, Supervisor) or set camunda:candidateGroups"
        )
    if normalize_role_name(lane) not in lookup:
        known = sorted(set(lookup.values()))
        return f"lane '{lane}' matches no role; name it after one of: {', '.join(known)}"
    return None


def can_work(
    actor: Actor,
    *,
    candidate_roles,
    candidate_users,
    assignee: str | None,
    school_id: str | None,
) -> bool:
    """May this user see and work the task (ignoring who has claimed it)?"""
    if actor.username == assignee or actor.username in candidate_users:
        return True
    for role in actor.roles.intersection(candidate_roles):
        if role not in actor.scoped_roles or school_id is None or school_id in actor.schools:
            return True
    return False
