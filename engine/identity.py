"""Users, roles and schools: who someone is, what they may do, and where.

Passwords and API tokens are stored hashed (werkzeug's scrypt/pbkdf2 helpers).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from engine.clock import SystemClock
from engine.db.models import Role, School, User, UserRole, UserSchool
from engine.db.prepared import Prepared
from engine.errors import EngineError, NotFoundError
from engine.records import RoleRecord, SchoolRecord, UserRecord

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,79}$")
SCHOOL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class InvalidInputError(EngineError):
    """A name, id or value given to the engine is malformed."""


@dataclass(frozen=True)
class Actor:
    """The user an engine call acts for, with what decides their rights."""

    username: str
    roles: frozenset[str]
    schools: frozenset[str]
    scoped_roles: frozenset[str]

    @property
    def agency_roles(self) -> frozenset[str]:
        """Roles whose tasks this user sees in every school."""
        return self.roles - self.scoped_roles

    def has_any_role(self, *keys: str) -> bool:
        return bool(self.roles.intersection(keys))


def role_keys(session: Session) -> dict[str, Role]:
    return {role.key: role for role in session.scalars(select(Role))}


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFoundError(f"no user named '{username}'")
    return user


# Every engine call starts with this query: it goes straight to the driver
# (engine/db/prepared.py).
_ACTOR_QUERY = Prepared(
    select(User.active, UserRole.role_key, Role.school_scoped, UserSchool.school_id)
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .outerjoin(Role, Role.key == UserRole.role_key)
    .outerjoin(UserSchool, UserSchool.user_id == User.id)
    .where(User.username == bindparam("username"))
)


def load_actor(session: Session, username: str) -> Actor:
    """The active user `username` with roles and schools; NotFoundError otherwise.

    One query (every engine call starts with this): the user joined to roles and schools.
    """
    rows = _ACTOR_QUERY.rows(session, {"username": username})
    if not rows:
        raise NotFoundError(f"no user named '{username}'")
    if not rows[0][0]:
        raise NotFoundError(f"user '{username}' is deactivated")
    return Actor(
        username=username,
        roles=frozenset(role for _, role, _, _ in rows if role),
        schools=frozenset(school for _, _, _, school in rows if school),
        scoped_roles=frozenset(role for _, role, scoped, _ in rows if role and scoped),
    )


def to_record(user: User) -> UserRecord:
    return UserRecord(
        username=user.username,
        display_name=user.display_name or user.username,
        roles=tuple(sorted(r.role_key for r in user.roles)),
        schools=tuple(sorted(s.school_id for s in user.schools)),
        active=user.active,
        email=user.email,
    )


def add_school(session: Session, school_id: str, name: str) -> SchoolRecord:
    if not SCHOOL_ID.match(school_id or ""):
        raise InvalidInputError(
            f"school id '{school_id}' is not valid: use letters, digits, '.', '_' or '-'"
        )
    if not (name or "").strip():
        raise InvalidInputError("a school needs a name")
    if session.get(School, school_id) is not None:
        raise InvalidInputError(f"school '{school_id}' already exists")
    session.add(School(id=school_id, name=name.strip()))
    return SchoolRecord(school_id, name.strip())


def list_schools(session: Session) -> list[SchoolRecord]:
    return [SchoolRecord(s.id, s.name) for s in session.scalars(select(School).order_by(School.id))]


def list_roles(session: Session) -> list[RoleRecord]:
    return [
        RoleRecord(r.key, r.name, r.school_scoped)
        for r in session.scalars(select(Role).order_by(Role.key))
    ]


def add_user(
    session: Session,
    username: str,
    *,
    roles: list[str],
    schools: list[str] = (),
    password: str | None = None,
    display_name: str | None = None,
    email: str | None = None,
    clock=None,
) -> UserRecord:
    """Create a user; every role and school must exist already."""
    if not USERNAME.match(username or ""):
        raise InvalidInputError(
            f"username '{username}' is not valid: use letters, digits, '.', '_', '@' or '-'"
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidInputError(f"user '{username}' already exists")
    user = User(
        username=username,
        display_name=(display_name or username).strip(),
        email=email,
        created_at=(clock or SystemClock()).now(),
        active=True,
    )
    _set_memberships(session, user, roles, schools)
    if password is not None:
        set_password_on(user, password)
    session.add(user)
    session.flush()
    return to_record(user)


def _set_memberships(session: Session, user: User, roles, schools) -> None:
    known_roles = role_keys(session)
    unknown = [r for r in roles if r not in known_roles]
    if unknown:
        raise InvalidInputError(
            f"unknown role(s) {', '.join(unknown)}; known roles: {', '.join(sorted(known_roles))}"
        )
    missing = [s for s in schools if session.get(School, s) is None]
    if missing:
        raise InvalidInputError(f"unknown school(s) {', '.join(missing)}")
    user.roles = [UserRole(role_key=r) for r in dict.fromkeys(roles)]
    user.schools = [UserSchool(school_id=s) for s in dict.fromkeys(schools)]


def update_user(
    session: Session,
    username: str,
    *,
    roles: list[str] | None = None,
    schools: list[str] | None = None,
    active: bool | None = None,
    display_name: str | None = None,
) -> UserRecord:
    user = _user(session, username)
    if roles is not None or schools is not None:
        _set_memberships(
            session,
            user,
            roles if roles is not None else [r.role_key for r in user.roles],
            schools if schools is not None else [s.school_id for s in user.schools],
        )
    if active is not None:
        user.active = active
    if display_name is not None:
        user.display_name = display_name.strip() or user.username
    session.flush()
    return to_record(user)


def set_password_on(user: User, password: str) -> None:
    if len(password) < 8:
        raise InvalidInputError("a password needs at least 8 characters")
    user.password_hash = generate_password_hash(password)


def set_password(session: Session, username: str, password: str) -> None:
    set_password_on(_user(session, username), password)


def check_password(session: Session, username: str, password: str) -> UserRecord | None:
    """The user if the password is right and the account active; None otherwise."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not user.password_hash:
        return None
    return to_record(user) if check_password_hash(user.password_hash, password) else None


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_api_token(session: Session, username: str) -> str:
    """A new API token for the user (shown once; only its digest is stored)."""
    user = _user(session, username)
    token = secrets.token_urlsafe(32)
    user.api_token_hash = _token_digest(token)
    return token


# One query, built once (every API request starts here): the user joined to roles and
# schools.
_TOKEN_QUERY = (
    select(
        User.username,
        User.display_name,
        User.active,
        User.email,
        UserRole.role_key,
        UserSchool.school_id,
    )
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .outerjoin(UserSchool, UserSchool.user_id == User.id)
    .where(User.api_token_hash == bindparam("digest"))
)


def user_for_token(session: Session, token: str) -> UserRecord | None:
    if not token:
        return None
    rows = session.connection().execute(_TOKEN_QUERY, {"digest": _token_digest(token)}).all()
    if not rows or not rows[0].active:
        return None
    first = rows[0]
    return UserRecord(
        username=first.username,
        display_name=first.display_name or first.username,
        roles=tuple(sorted({r.role_key for r in rows if r.role_key})),
        schools=tuple(sorted({r.school_id for r in rows if r.school_id})),
        active=first.active,
        email=first.email,
    )


def get_user(session: Session, username: str) -> UserRecord:
    return to_record(_user(session, username))


def list_users(session: Session) -> list[UserRecord]:
    return [to_record(u) for u in session.scalars(select(User).order_by(User.username))]


def list_actors(session: Session) -> list[tuple[UserRecord, Actor]]:
    """Every user with the Actor that decides their rights (what `load_actor` gives)."""
    scoped = {role.key for role in session.scalars(select(Role)) if role.school_scoped}
    return [
        (
            record,
            Actor(
                username=record.username,
                roles=frozenset(record.roles),
                schools=frozenset(record.schools),
                scoped_roles=frozenset(scoped.intersection(record.roles)),
            ),
        )
        for record in list_users(session)
    ]
