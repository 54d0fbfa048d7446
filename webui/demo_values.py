"""Made-up but valid form values for demo data, driven only by each field's type and
constraints (FormField), so any process the owners deploy can be walked through.

A field's default is used when it has one (the engine checked it at deployment). Fields
whose id mentions a name get realistic people names. An optional one-line text field is
left empty: such fields often expect a format the form cannot state (an ISO duration, a
username) and mean "use the default" when empty; notes and comments get sentences.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from engine import FormField

FIRST_NAMES = (
    "Jordan", "Maria", "Devon", "Aisha", "Marcus", "Elena", "Tyrone", "Priya", "Caleb",
    "Naomi", "Luis", "Grace", "Andre", "Mei", "Samuel", "Fatima", "Derek", "Keisha",
)  # fmt: skip
LAST_NAMES = (
    "Lee", "Hernandez", "Washington", "Okafor", "Kowalski", "Nguyen", "Brooks", "Patel",
    "Ramirez", "Johnson", "Fischer", "Adeyemi", "Sullivan", "Chen", "Morales", "Carter",
)  # fmt: skip
SENTENCES = (
    "Spoke with students and staff at lunch duty; relaxed and approachable.",
    "Handled a hallway conflict calmly and followed up with the counselor.",
    "Explained the role of an SRO clearly at the parent evening.",
    "Coordinated the lockdown drill with the principal; debrief done the same day.",
    "Mentors two students in the after-school robotics club.",
    "Report writing is clear and on time; keeps the administration informed.",
)
DEFAULT_YEARS_BACK = 3


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _fit(text: str, field: FormField) -> str:
    """Cut or pad text to the field's length limits."""
    if field.maxlength is not None:
        text = text[: field.maxlength].rstrip() or text[: field.maxlength]
    if field.minlength is not None and len(text) < field.minlength:
        text = text.ljust(field.minlength, ".")
    return text


def _text(field: FormField, rng: random.Random) -> str:
    name = field.id.lower()
    if "email" in name:
        first, last = person_name(rng).lower().split()
        return _fit(f"{first}.{last}@example.org", field)
    if "name" in name:
        return _fit(person_name(rng), field)
    if _free_text(field):
        return _fit(rng.choice(SENTENCES), field)
    return _fit(f"{field.label or field.id} {rng.randint(100, 999)}", field)


def _number(field: FormField, rng: random.Random) -> int:
    low = field.min if field.min is not None else None
    high = field.max if field.max is not None else None
    if low is None and high is None:
        low, high = 0, 10
    elif low is None:
        low = high - 10
    elif high is None:
        high = low + 10
    return rng.randint(low, high)


def _day(field: FormField, rng: random.Random, today: date) -> str:
    low = date.fromisoformat(field.min) if field.min else None
    high = date.fromisoformat(field.max) if field.max else None
    if high is None:
        high = max(today, low) if low else today
    if low is None:
        low = high - timedelta(days=365 * DEFAULT_YEARS_BACK)
    return (low + timedelta(days=rng.randint(0, (high - low).days))).isoformat()


def _free_text(field: FormField) -> bool:
    name = field.id.lower()
    return field.multiline or any(w in name for w in ("note", "comment", "reason", "summary"))


def field_value(field: FormField, rng: random.Random, now: datetime):
    """One valid value for an editable field ("" leaves an optional field empty)."""
    if field.default is not None:
        return field.default
    if field.type == "string" and not field.required and not _free_text(field):
        return ""
    if field.type == "boolean":
        return rng.random() < 0.8  # most candidates and officers do well: more paths go on
    if field.type == "long":
        return _number(field, rng)
    if field.type == "date":
        return _day(field, rng, now.date())
    if field.type == "enum":
        return rng.choice(field.options).id
    return _text(field, rng)


def fill_form(fields, rng: random.Random, now: datetime, known: dict | None = None) -> dict:
    """Values for every editable field; `known` values (e.g. the school) win when they fit."""
    known = known or {}
    values = {}
    for field in fields:
        if field.readonly:
            continue
        options = {o.id for o in field.options}
        if field.id in known and (field.type != "enum" or known[field.id] in options):
            values[field.id] = known[field.id]
        else:
            values[field.id] = field_value(field, rng, now)
    return values
