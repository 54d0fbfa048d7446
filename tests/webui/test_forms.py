"""webui.forms: what an HTML POST means as form data, and what inputs show."""

from __future__ import annotations

from engine import FieldOption, FormField
from webui.forms import field_hint, is_checked, ordered_errors, shown_values, submitted_data

NAME = FormField("name", "Name", "string", required=True, minlength=2, maxlength=80)
NOTES = FormField("notes", "Notes", "string", multiline=True)
YEARS = FormField("years", "Years", "long", min=0, max=40)
AGREED = FormField("agreed", "Agreed", "boolean")
DAY = FormField("day", "Day", "date", min="2020-01-01")
LEVEL = FormField("level", "Level", "enum", options=(FieldOption("a", "A"),))
REF = FormField("ref", "Reference", "string", readonly=True, default="HR-1")
FIELDS = (NAME, NOTES, YEARS, AGREED, DAY, LEVEL, REF)


def test_unticked_checkbox_becomes_false_and_readonly_fields_are_not_sent():
    data = submitted_data(FIELDS, {"name": "  Ann  ", "notes": " keep \n", "ref": "HACK"})
    assert data == {
        "name": "Ann",
        "notes": " keep \n",
        "years": "",
        "agreed": False,
        "day": "",
        "level": "",
    }


def test_ticked_checkbox_becomes_true():
    assert submitted_data([AGREED], {"agreed": "true"}) == {"agreed": True}
    assert submitted_data([AGREED], {"agreed": "on"}) == {"agreed": True}


def test_shown_values_prefer_typed_then_current_then_default():
    assert shown_values([NAME, REF], {}) == {"name": None, "ref": "HR-1"}
    assert shown_values([NAME, REF], {"name": "Old", "ref": "HR-9"}) == {
        "name": "Old",
        "ref": "HR-9",
    }
    typed = shown_values([NAME, REF], {"name": "Old"}, {"name": "New", "ref": "HACK"})
    assert typed == {"name": "New", "ref": "HR-1"}


def test_is_checked():
    assert is_checked(True) and is_checked("true") and not is_checked(False)
    assert not is_checked(None) and not is_checked("")


def test_errors_in_form_order_with_labels():
    errors = {"years": "must be at most 40", "name": "is required", "other": "is not a field"}
    assert ordered_errors(FIELDS, errors) == [
        ("name", "Name", "is required"),
        ("years", "Years", "must be at most 40"),
        ("other", "other", "is not a field"),
    ]


def test_hints_describe_limits():
    assert field_hint(NAME) == "At least 2 characters, at most 80 characters."
    assert field_hint(YEARS) == "From 0, up to 40."
    assert field_hint(DAY) == "On or after 2020-01-01."
    assert field_hint(AGREED) is None and field_hint(REF) is None
