"""Engine form fields on HTML pages: what a POST means as form data, and what each input
shows (the value just typed, else the instance's current value, else the default).

The engine validates; this module only translates. HTML drops an unticked checkbox from
the POST, so every editable boolean field is sent explicitly (false when absent), and
read-only fields are never sent: they are shown disabled, and the engine keeps them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from engine import FormField

TRUE_WORDS = ("true", "on", "1", "yes")
SCHOOL_FIELD = "school_id"  # the engine's scoping variable: offered as a list of schools


def submitted_data(fields: Iterable[FormField], form: Mapping[str, str]) -> dict:
    """The form data to hand to the engine from an HTML form POST."""
    data = {}
    for field in fields:
        if field.readonly:
            continue
        if field.type == "boolean":
            data[field.id] = str(form.get(field.id, "")).strip().lower() in TRUE_WORDS
        elif field.type == "string" and field.multiline:
            data[field.id] = form.get(field.id, "")
        else:
            data[field.id] = form.get(field.id, "").strip()
    return data


def shown_values(
    fields: Iterable[FormField], current: Mapping, submitted: Mapping | None = None
) -> dict:
    """What each input shows; after a refused POST, what the person typed stays."""
    values = {}
    for field in fields:
        if submitted is not None and not field.readonly and field.id in submitted:
            values[field.id] = submitted[field.id]
        elif current.get(field.id) is not None:
            values[field.id] = current[field.id]
        else:
            values[field.id] = field.default
    return values


def is_checked(value) -> bool:
    """Whether a boolean field's value ticks its checkbox (True, or a truthy form word)."""
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in TRUE_WORDS


def ordered_errors(fields: Iterable[FormField], errors: Mapping[str, str]) -> list:
    """(field id, label, message) in form order, for the summary above a refused form."""
    labels = {f.id: f.label for f in fields}
    known = [(fid, labels[fid], errors[fid]) for fid in labels if fid in errors]
    extra = [(fid, fid, msg) for fid, msg in errors.items() if fid not in labels]
    return known + extra


def field_hint(field: FormField) -> str | None:
    """The field's limits in words ('At least 2 characters, at most 80 characters.')."""
    if field.readonly or field.id == SCHOOL_FIELD:  # the school is picked from a list
        return None
    parts = []
    if field.type == "string":
        if field.minlength is not None:
            parts.append(f"at least {field.minlength} characters")
        if field.maxlength is not None:
            parts.append(f"at most {field.maxlength} characters")
    elif field.type in ("long", "date"):
        low, high = ("from", "up to") if field.type == "long" else ("on or after", "on or before")
        if field.min is not None:
            parts.append(f"{low} {field.min}")
        if field.max is not None:
            parts.append(f"{high} {field.max}")
    if not parts:
        return None
    text = ", ".join(parts)
    return text[0].upper() + text[1:] + "."
