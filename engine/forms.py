"""User task forms: the plain field objects we show, the deployment check and submission check.

The spiff Camunda `Form` arrives duck-typed (`.fields`, each with `.id .type .label
.default_value .properties .validation` and `.options` for enums), so this module imports
neither SpiffWorkflow nor Flask. Field ids become process variables, so a bad submission must be
refused here, before anything changes.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from engine.errors import DeploymentProblem, FormValidationError

FIELD_TYPES = ("string", "long", "boolean", "date", "enum")
# The types each limit makes sense for; required and readonly fit every type.
_LIMIT_TYPES = {"min": ("long", "date"), "max": ("long", "date")}
_LIMIT_TYPES |= {"minlength": ("string",), "maxlength": ("string",)}
CONSTRAINTS = ("required", "readonly", *_LIMIT_TYPES)
# 18 digits fit a Camunda (Java) long and stay far below Python's int-from-str digit limit.
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TRUE = ("true", "on", "1")
_FALSE = ("false", "off", "0")


@dataclass(frozen=True)
class FieldOption:
    """One choice of an enum field: `id` is stored, `label` is shown."""

    id: str
    label: str


@dataclass(frozen=True)
class FormField:
    """One form field as the web UI, CLI and API show it.

    `min`/`max` are ints for long fields and 'YYYY-MM-DD' strings for date fields.
    `properties` is a tuple of (id, value) pairs so the object stays hashable.
    """

    id: str
    label: str
    type: str
    required: bool = False
    readonly: bool = False
    default: object | None = None
    min: int | str | None = None
    max: int | str | None = None
    minlength: int | None = None
    maxlength: int | None = None
    options: tuple[FieldOption, ...] = ()
    help: str | None = None
    multiline: bool = False
    properties: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict:
        """A JSON-safe dict; `constraints` holds only the limits that are set."""
        return {
            "id": self.id,
            "label": self.label,
            "type": self.type,
            "required": self.required,
            "readonly": self.readonly,
            "default": self.default,
            "constraints": {
                k: getattr(self, k) for k in _LIMIT_TYPES if getattr(self, k) is not None
            },
            "options": [{"id": o.id, "label": o.label} for o in self.options],
            "help": self.help,
            "multiline": self.multiline,
            "properties": dict(self.properties),
        }


class _Refused(ValueError):
    """A value does not fit; the message completes "<field> ..." for a person."""


def _parse_int(text: object) -> int | None:
    if isinstance(text, str) and _INTEGER.fullmatch(text.strip()):
        return int(text)
    return None


def _parse_date(text: object) -> date | None:
    if not isinstance(text, str) or not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _parse_flag(config: object) -> bool | None:
    """required/readonly take no config in Camunda; also allow 'true'/'false'."""
    if config is None or str(config).strip().lower() in ("", "true"):
        return True
    return False if str(config).strip().lower() == "false" else None


def _coerce(field: FormField, value: object) -> object:
    """Turn a submitted (possibly HTML string) value into the stored type, or raise _Refused."""
    if field.type == "long":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if (number := _parse_int(value)) is not None:
            return number
        raise _Refused("must be a whole number")
    if field.type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        raise _Refused("must be true or false")
    if field.type == "date":
        if type(value) is date:  # not a datetime: a time of day would be lost silently
            return value.isoformat()
        if _parse_date(value) is None:
            raise _Refused("must be a date (YYYY-MM-DD)")
        return value
    if field.type == "enum":
        ids = [o.id for o in field.options]
        if value not in ids:
            raise _Refused("must be one of: " + ", ".join(ids))
        return value
    if not isinstance(value, str):
        raise _Refused("must be text")
    return value


def _check_limits(field: FormField, value: object) -> None:
    """Raise _Refused when a coerced value breaks min/max/minlength/maxlength."""
    if field.type == "date":
        day = date.fromisoformat(value)
        if field.min is not None and day < date.fromisoformat(field.min):
            raise _Refused(f"must be on or after {field.min}")
        if field.max is not None and day > date.fromisoformat(field.max):
            raise _Refused(f"must be on or before {field.max}")
    elif field.type == "long":
        if field.min is not None and value < field.min:
            raise _Refused(f"must be at least {field.min}")
        if field.max is not None and value > field.max:
            raise _Refused(f"must be at most {field.max}")
    elif field.type == "string":
        if field.minlength is not None and len(value) < field.minlength:
            raise _Refused(f"must be at least {field.minlength} characters")
        if field.maxlength is not None and len(value) > field.maxlength:
            raise _Refused(f"must be at most {field.maxlength} characters")


def _limit(field_type: str | None, name: str, config: object) -> int | str | None:
    """Parse one constraint's config for a field type; None when it does not parse."""
    if name in ("minlength", "maxlength"):
        number = _parse_int(config)
        return number if number is not None and number >= 0 else None
    if field_type == "date":
        return config if _parse_date(config) else None
    return _parse_int(config)


def _field_from_spiff(raw) -> FormField:
    props = tuple((p.id, p.value) for p in raw.properties if p.id is not None)
    values = dict(props)
    limits, flags = {}, {"required": False, "readonly": False}
    for rule in raw.validation:
        if rule.name in flags:
            flags[rule.name] = bool(_parse_flag(rule.config))
        elif rule.name in _LIMIT_TYPES and raw.type in _LIMIT_TYPES[rule.name]:
            limits[rule.name] = _limit(raw.type, rule.name, rule.config)
    field = FormField(
        id=raw.id or "",
        label=raw.label or raw.id or "",
        type=raw.type or "",
        **flags,
        **limits,
        options=tuple(FieldOption(o.id, o.name or o.id) for o in getattr(raw, "options", ())),
        help=values.get("help") or values.get("description"),
        multiline=any(str(values.get(k, "")).lower() == "true" for k in ("multiline", "textarea")),
        properties=props,
    )
    try:
        default = None if raw.default_value in (None, "") else _coerce(field, raw.default_value)
    except _Refused:
        default = None  # the deployment check reports it; never show a value of the wrong type
    return replace(field, default=default)


def fields_from_form(form) -> tuple[FormField, ...]:
    """Convert a spiff Camunda form (or None) into plain FormField objects."""
    return tuple(_field_from_spiff(raw) for raw in form.fields) if form is not None else ()


def _field_problems(raw) -> list[str]:
    """What is wrong with one field definition, as messages without the field prefix."""
    found = []
    if raw.type is None:
        found.append("has no type (use one of: " + ", ".join(FIELD_TYPES) + ")")
    elif raw.type not in FIELD_TYPES:
        found.append(f"type '{raw.type}' is not supported; only " + ", ".join(FIELD_TYPES) + " are")
    if raw.type == "enum":
        ids = [o.id for o in raw.options]
        if not ids:
            found.append("enum has no options")
        if any(not i for i in ids):
            found.append("an enum option has no id")
        found += [
            f"option '{i}' is listed more than once"
            for i in sorted({i for i in ids if i and ids.count(i) > 1})
        ]
    seen = set()
    for rule in raw.validation:
        name, config = rule.name, rule.config
        if name in seen:
            found.append(f"constraint '{name}' is given more than once")
        seen.add(name)
        if name not in CONSTRAINTS:
            found.append(
                f"constraint '{name}' is not supported; only " + ", ".join(CONSTRAINTS) + " are"
            )
        elif name in ("required", "readonly"):
            if _parse_flag(config) is None:
                found.append(f"{name} '{config}' must be empty, true or false")
        elif raw.type in FIELD_TYPES and raw.type not in _LIMIT_TYPES[name]:
            found.append(f"{name} does not apply to {raw.type} fields")
        elif raw.type in FIELD_TYPES and _limit(raw.type, name, config) is None:
            if name in ("minlength", "maxlength"):
                found.append(f"{name} '{config}' is not a whole number of 0 or more")
            elif raw.type == "date":
                found.append(f"{name} '{config}' is not a date (YYYY-MM-DD)")
            else:
                found.append(f"{name} '{config}' is not an integer")
    if found:
        return found
    field = _field_from_spiff(raw)
    for low, high in (("min", "max"), ("minlength", "maxlength")):
        lo, hi = getattr(field, low), getattr(field, high)
        # Both are ints, or both checked YYYY-MM-DD strings, which sort like the dates.
        if lo is not None and hi is not None and lo > hi:
            found.append(f"{low} {lo} is greater than {high} {hi}")
    if raw.default_value not in (None, ""):
        try:
            _check_limits(field, _coerce(field, raw.default_value))
        except _Refused as refused:
            found.append(f"default '{raw.default_value}' {refused}")
    return found


def check_form_definition(
    form, *, file_name: str | None, element_id: str | None
) -> list[DeploymentProblem]:
    """List the problems of a user task's form, so a bad form is refused at deployment."""
    problems: list[DeploymentProblem] = []

    def report(message: str) -> None:
        problems.append(DeploymentProblem(file_name, message, element_id=element_id))

    ids = [raw.id for raw in form.fields] if form is not None else []
    for position, raw in enumerate(form.fields if form is not None else (), start=1):
        if not raw.id:
            report(f"form field #{position} ('{raw.label or ''}') has no id")
            continue
        name = f"form field '{raw.id}'"
        if ids.count(raw.id) > 1 and ids.index(raw.id) == position - 1:
            report(f"{name} is defined more than once")
        if not raw.id.isidentifier() or keyword.iskeyword(raw.id):
            report(f"{name}: id must be a valid variable name (letters, digits and _)")
        for message in _field_problems(raw):
            report(f"{name}: {message}")
    return problems


def validate_submission(
    fields: Iterable[FormField],
    data: Mapping,
    *,
    current: Mapping | None = None,
    checkbox_absent_means_false: bool = False,
) -> dict:
    """Check submitted values against the form and return the cleaned values to store.

    Every bad field is reported at once (one message each) so a person can fix them all.
    Set `checkbox_absent_means_false` for HTML forms, where an unticked checkbox is not sent.
    A read-only field may be sent only unchanged from `current` (or, failing that, its default).
    """
    current = current or {}
    by_id = {f.id: f for f in fields}
    errors = {key: "is not a field of this form" for key in data if key not in by_id}
    cleaned = {}
    for field in by_id.values():
        present = field.id in data
        value = data.get(field.id)
        if not present and field.type == "boolean" and checkbox_absent_means_false:
            present, value = not field.readonly, False
        if not present:
            if field.required and not field.readonly:
                errors[field.id] = "is required"
            continue
        try:
            if value is None or value == "":
                if field.required and not field.readonly:
                    raise _Refused("is required")
                value = None
            else:
                value = _coerce(field, value)
                if not field.readonly:  # an unchanged value passes even if the limits moved
                    _check_limits(field, value)
        except _Refused as refused:
            errors[field.id] = "is read-only" if field.readonly else str(refused)
            continue
        if field.readonly and value != current.get(field.id, field.default):
            errors[field.id] = "is read-only"
            continue
        cleaned[field.id] = value
    if errors:
        raise FormValidationError(errors)
    return cleaned
