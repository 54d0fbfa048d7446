"""What a view needs about the current request: the app's engine service, the signed-in
user's name and the engine's clock (so pages and tests agree on "now")."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_login import current_user

from engine import EngineService


def service() -> EngineService:
    """The app's one EngineService (created in create_app)."""
    return current_app.extensions["sroflow"]


def username() -> str:
    """The signed-in user's name, for every engine call that applies rights and scoping."""
    return current_user.username


def now() -> datetime:
    """The engine's now: a FixedClock in tests, so "overdue" means the same on both sides."""
    return service().clock.now()


def has_role(*keys: str) -> bool:
    """Whether the signed-in user holds any of these roles (to show or hide controls)."""
    return current_user.is_authenticated and current_user.has_role(*keys)


def visible_schools() -> list:
    """The schools this user works with: all of them, unless every role is school-scoped.

    Used for pickers only; the engine enforces school scoping on every call.
    """
    schools = service().list_schools()
    scoped = {role.key for role in service().list_roles() if role.school_scoped}
    if set(current_user.roles) - scoped:
        return schools
    return [school for school in schools if school.id in current_user.schools]


def school_names() -> dict[str, str]:
    return {school.id: school.name for school in service().list_schools()}


def process_names() -> dict[str, str]:
    return {process.process_id: process.name for process in service().list_processes()}


def role_names() -> dict[str, str]:
    return {role.key: role.name for role in service().list_roles()}
