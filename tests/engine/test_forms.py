"""Tests for engine.forms, on forms parsed from real Camunda XML by SpiffWorkflow."""

import json
from datetime import date

import pytest
from SpiffWorkflow.camunda.parser import CamundaParser

from engine.errors import FormValidationError
from engine.forms import (
    FieldOption,
    FormField,
    check_form_definition,
    fields_from_form,
    validate_submission,
)

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="pid" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>to_task</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="to_task" sourceRef="start" targetRef="task_id" />
    <bpmn:userTask id="task_id" name="Review" camunda:formKey="review">
      <bpmn:extensionElements><camunda:formData>{fields}</camunda:formData></bpmn:extensionElements>
      <bpmn:incoming>to_task</bpmn:incoming><bpmn:outgoing>to_end</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="to_end" sourceRef="task_id" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>to_end</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


def parse_form(fields_xml: str):
    """The spiff Form of task_id, parsed the way deployment parses it."""
    parser = CamundaParser()
    parser.add_bpmn_str(BPMN.format(fields=fields_xml).encode())
    return parser.get_spec("pid").task_specs["task_id"].form


def field_xml(field_id="name", field_type="string", *, default=None, constraints=(), body=""):
    """One camunda:formField; constraints are (name, config) pairs, config None for no config."""
    rules = "".join(
        f'<camunda:constraint name="{n}" />'
        if c is None
        else f'<camunda:constraint name="{n}" config="{c}" />'
        for n, c in constraints
    )
    attrs = f'id="{field_id}" label="{field_id.title()}" type="{field_type}"'
    if default is not None:
        attrs += f' defaultValue="{default}"'
    validation = f"<camunda:validation>{rules}</camunda:validation>" if rules else ""
    return f"<camunda:formField {attrs}>{body}{validation}</camunda:formField>"


RATING_OPTIONS = (
    '<camunda:value id="good" name="Good" /><camunda:value id="excellent" name="Excellent" />'
)


def fields(*xml: str) -> tuple[FormField, ...]:
    return fields_from_form(parse_form("".join(xml)))


def problems(*xml: str) -> list[str]:
    found = check_form_definition(
        parse_form("".join(xml)), file_name="r.bpmn", element_id="task_id"
    )
    return [p.message for p in found]


def refused(form_fields, data, **kwargs) -> dict[str, str]:
    with pytest.raises(FormValidationError) as caught:
        validate_submission(form_fields, data, **kwargs)
    return caught.value.errors


# --- fields_from_form -------------------------------------------------------------------------


def test_fields_from_form_reads_every_part_of_the_xml():
    body = (
        RATING_OPTIONS + "<camunda:properties>"
        '<camunda:property id="help" value="How did the interview go?" />'
        '<camunda:property id="multiline" value="true" />'
        "</camunda:properties>"
    )
    (field,) = fields(
        field_xml("rating", "enum", default="good", constraints=[("required", None)], body=body)
    )
    assert field == FormField(
        id="rating",
        label="Rating",
        type="enum",
        required=True,
        default="good",
        options=(FieldOption("good", "Good"), FieldOption("excellent", "Excellent")),
        help="How did the interview go?",
        multiline=True,
        properties=(("help", "How did the interview go?"), ("multiline", "true")),
    )


def test_fields_from_form_reads_limits_and_typed_defaults():
    years, start, notes, active = fields(
        field_xml("years", "long", default="5", constraints=[("min", "0"), ("max", "40")]),
        field_xml("start", "date", default="2024-09-01", constraints=[("min", "2024-01-01")]),
        field_xml("notes", "string", constraints=[("maxlength", "500"), ("readonly", None)]),
        field_xml("active", "boolean", default="true"),
    )
    assert (years.default, years.min, years.max) == (5, 0, 40)
    assert (start.default, start.min, start.max) == ("2024-09-01", "2024-01-01", None)
    assert (notes.maxlength, notes.readonly, notes.required) == (500, True, False)
    assert active.default is True


def test_fields_from_form_accepts_description_and_textarea_properties():
    body = (
        "<camunda:properties>"
        '<camunda:property id="description" value="Why they left" />'
        '<camunda:property id="textarea" value="TRUE" />'
        "</camunda:properties>"
    )
    (field,) = fields(field_xml("reason", body=body))
    assert (field.help, field.multiline) == ("Why they left", True)


def test_fields_from_form_gives_an_empty_tuple_without_a_form_or_fields():
    assert fields_from_form(None) == ()
    assert fields_from_form(parse_form("")) == ()


def test_form_field_to_dict_is_json_safe_and_lists_only_the_constraints_set():
    (field,) = fields(field_xml("years", "long", default="3", constraints=[("min", "1")]))
    shown = field.to_dict()
    assert json.loads(json.dumps(shown)) == shown
    assert shown == {
        "id": "years",
        "label": "Years",
        "type": "long",
        "required": False,
        "readonly": False,
        "default": 3,
        "constraints": {"min": 1},
        "options": [],
        "help": None,
        "multiline": False,
        "properties": {},
    }


def test_form_fields_are_frozen_and_hashable():
    (field,) = fields(field_xml("rating", "enum", body=RATING_OPTIONS))
    assert hash(field) == hash(fields(field_xml("rating", "enum", body=RATING_OPTIONS))[0])
    with pytest.raises(AttributeError):
        field.label = "Changed"


# --- validate_submission ----------------------------------------------------------------------


ALL_TYPES = (
    field_xml("name"),
    field_xml("years", "long"),
    field_xml("active", "boolean"),
    field_xml("start", "date"),
    field_xml("rating", "enum", body=RATING_OPTIONS),
)


def test_validate_submission_returns_typed_values_for_every_type():
    data = {"name": "Ann", "years": "5", "active": "on", "start": "2024-09-01", "rating": "good"}
    assert validate_submission(fields(*ALL_TYPES), data) == {
        "name": "Ann",
        "years": 5,
        "active": True,
        "start": "2024-09-01",
        "rating": "good",
    }


def test_validate_submission_refuses_unknown_keys():
    assert refused(fields(field_xml("name")), {"name": "Ann", "salary": "1"}) == {
        "salary": "is not a field of this form"
    }


def test_validate_submission_collects_one_message_per_bad_field():
    data = {"years": "abc", "active": "maybe", "start": "01/09/2024", "rating": "poor", "x": 1}
    assert refused(fields(*ALL_TYPES), data) == {
        "x": "is not a field of this form",
        "years": "must be a whole number",
        "active": "must be true or false",
        "start": "must be a date (YYYY-MM-DD)",
        "rating": "must be one of: good, excellent",
    }


def test_validate_submission_error_message_names_each_field():
    with pytest.raises(FormValidationError, match="years: must be a whole number"):
        validate_submission(fields(field_xml("years", "long")), {"years": "x"})


@pytest.mark.parametrize("missing", [{}, {"name": None}, {"name": ""}])
def test_validate_submission_refuses_a_missing_required_value(missing):
    form = fields(field_xml("name", constraints=[("required", None)]))
    assert refused(form, missing) == {"name": "is required"}


def test_validate_submission_accepts_false_for_a_required_boolean():
    form = fields(field_xml("agreed", "boolean", constraints=[("required", None)]))
    assert validate_submission(form, {"agreed": "false"}) == {"agreed": False}
    assert refused(form, {}) == {"agreed": "is required"}


def test_validate_submission_leaves_absent_optional_fields_out_and_empty_ones_none():
    assert validate_submission(fields(*ALL_TYPES), {}) == {}
    assert validate_submission(fields(*ALL_TYPES), {"years": "", "start": None}) == {
        "years": None,
        "start": None,
    }


def test_validate_submission_keeps_strings_as_entered_and_refuses_non_text():
    form = fields(field_xml("name"))
    assert validate_submission(form, {"name": "  Ann "}) == {"name": "  Ann "}
    assert refused(form, {"name": 5}) == {"name": "must be text"}


@pytest.mark.parametrize(("sent", "stored"), [(7, 7), ("7", 7), (" -3 ", -3), (5.0, 5)])
def test_validate_submission_turns_whole_numbers_into_ints(sent, stored):
    assert validate_submission(fields(field_xml("years", "long")), {"years": sent}) == {
        "years": stored
    }


@pytest.mark.parametrize("sent", [True, 2.5, "abc", "5.0", [5], "9" * 5000])
def test_validate_submission_refuses_what_is_not_a_whole_number(sent):
    assert refused(fields(field_xml("years", "long")), {"years": sent}) == {
        "years": "must be a whole number"
    }


def test_validate_submission_checks_min_and_max_of_numbers():
    form = fields(field_xml("years", "long", constraints=[("min", "3"), ("max", "40")]))
    assert refused(form, {"years": "2"}) == {"years": "must be at least 3"}
    assert refused(form, {"years": 41}) == {"years": "must be at most 40"}
    assert validate_submission(form, {"years": "3"}) == {"years": 3}


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("on", True),
        ("1", True),
        ("FALSE", False),
        ("0", False),
    ],
)
def test_validate_submission_accepts_html_checkbox_strings(sent, stored):
    form = fields(field_xml("active", "boolean"))
    assert validate_submission(form, {"active": sent}) == {"active": stored}


@pytest.mark.parametrize("sent", ["yes", 1, 0])
def test_validate_submission_refuses_other_boolean_values(sent):
    form = fields(field_xml("active", "boolean"))
    assert refused(form, {"active": sent}) == {"active": "must be true or false"}


def test_validate_submission_treats_an_absent_checkbox_as_false_only_when_asked():
    form = fields(field_xml("active", "boolean"))
    assert validate_submission(form, {}) == {}
    assert validate_submission(form, {}, checkbox_absent_means_false=True) == {"active": False}


def test_validate_submission_stores_dates_as_iso_strings():
    form = fields(field_xml("start", "date"))
    assert validate_submission(form, {"start": "2024-02-29"}) == {"start": "2024-02-29"}
    assert validate_submission(form, {"start": date(2024, 3, 1)}) == {"start": "2024-03-01"}


@pytest.mark.parametrize("sent", ["2023-02-29", "2024-13-01", "20240101", "1/2/2024", 20240101])
def test_validate_submission_refuses_what_is_not_a_real_date(sent):
    assert refused(fields(field_xml("start", "date")), {"start": sent}) == {
        "start": "must be a date (YYYY-MM-DD)"
    }


def test_validate_submission_checks_min_and_max_of_dates():
    limits = [("min", "2024-01-01"), ("max", "2024-12-31")]
    form = fields(field_xml("start", "date", constraints=limits))
    assert refused(form, {"start": "2023-12-31"}) == {"start": "must be on or after 2024-01-01"}
    assert refused(form, {"start": "2025-01-01"}) == {"start": "must be on or before 2024-12-31"}
    assert validate_submission(form, {"start": "2024-12-31"}) == {"start": "2024-12-31"}


def test_validate_submission_accepts_only_enum_option_ids():
    form = fields(field_xml("rating", "enum", body=RATING_OPTIONS))
    assert validate_submission(form, {"rating": "excellent"}) == {"rating": "excellent"}
    assert refused(form, {"rating": "Excellent"}) == {"rating": "must be one of: good, excellent"}


def test_validate_submission_checks_text_length():
    form = fields(field_xml("notes", constraints=[("minlength", "3"), ("maxlength", "5")]))
    assert refused(form, {"notes": "ab"}) == {"notes": "must be at least 3 characters"}
    assert refused(form, {"notes": "abcdef"}) == {"notes": "must be at most 5 characters"}
    assert validate_submission(form, {"notes": "abcde"}) == {"notes": "abcde"}


def test_validate_submission_refuses_a_changed_read_only_value():
    form = fields(field_xml("years", "long", constraints=[("readonly", None)]))
    assert refused(form, {"years": "4"}, current={"years": 5}) == {"years": "is read-only"}
    assert refused(form, {"years": "abc"}, current={"years": 5}) == {"years": "is read-only"}


def test_validate_submission_returns_an_unchanged_read_only_value():
    form = fields(field_xml("years", "long", constraints=[("readonly", None)]))
    assert validate_submission(form, {"years": "5"}, current={"years": 5}) == {"years": 5}


def test_validate_submission_does_not_require_or_invent_read_only_values():
    form = fields(
        field_xml("years", "long", constraints=[("readonly", None), ("required", None)]),
        field_xml("vetted", "boolean", constraints=[("readonly", None)]),
    )
    assert validate_submission(form, {}, current={"years": 5}) == {}
    assert validate_submission(form, {}, checkbox_absent_means_false=True) == {}


def test_validate_submission_compares_read_only_to_the_default_without_a_current_value():
    form = fields(field_xml("school", default="North", constraints=[("readonly", None)]))
    assert validate_submission(form, {"school": "North"}) == {"school": "North"}
    assert refused(form, {"school": "South"}) == {"school": "is read-only"}


# --- check_form_definition --------------------------------------------------------------------


def test_check_form_definition_accepts_a_well_formed_form():
    assert (
        problems(
            *ALL_TYPES,
            field_xml("years_max", "long", default="5", constraints=[("min", "1"), ("max", "5")]),
            field_xml("flag", "boolean", default="false", constraints=[("required", None)]),
            field_xml("notes", constraints=[("minlength", "0"), ("maxlength", "9")]),
        )
        == []
    )
    assert check_form_definition(None, file_name="r.bpmn", element_id="task_id") == []


def test_check_form_definition_names_the_file_and_element():
    (problem,) = check_form_definition(
        parse_form(field_xml("years", "decimal")), file_name="r.bpmn", element_id="task_id"
    )
    assert (problem.file_name, problem.element_id) == ("r.bpmn", "task_id")
    assert str(problem).startswith("r.bpmn [task_id]: form field 'years'")


def test_check_form_definition_refuses_unsupported_and_missing_types():
    assert problems(field_xml("years", "decimal")) == [
        "form field 'years': type 'decimal' is not supported; only string, long, boolean, date, "
        "enum are"
    ]
    no_type = '<camunda:formField id="years" label="Years" />'
    assert problems(no_type) == [
        "form field 'years': has no type (use one of: string, long, boolean, date, enum)"
    ]


def test_check_form_definition_refuses_missing_and_duplicate_ids():
    no_id = '<camunda:formField label="Age" type="long" />'
    assert problems(no_id, field_xml("name"), field_xml("name")) == [
        "form field #1 ('Age') has no id",
        "form field 'name' is defined more than once",
    ]


@pytest.mark.parametrize("field_id", ["years-experience", "2nd_choice", "class", "first name"])
def test_check_form_definition_refuses_ids_that_are_not_variable_names(field_id):
    assert problems(field_xml(field_id)) == [
        f"form field '{field_id}': id must be a valid variable name (letters, digits and _)"
    ]


def test_check_form_definition_refuses_enums_without_proper_options():
    assert problems(field_xml("rating", "enum")) == ["form field 'rating': enum has no options"]
    twice = '<camunda:value id="good" name="Good" /><camunda:value id="good" name="Fine" />'
    assert problems(field_xml("rating", "enum", body=twice)) == [
        "form field 'rating': option 'good' is listed more than once"
    ]
    assert problems(field_xml("rating", "enum", body='<camunda:value name="Good" />')) == [
        "form field 'rating': an enum option has no id"
    ]


def test_check_form_definition_refuses_unknown_and_repeated_constraints():
    assert problems(field_xml("name", constraints=[("validator", "x")])) == [
        "form field 'name': constraint 'validator' is not supported; only required, readonly, "
        "min, max, minlength, maxlength are"
    ]
    assert problems(field_xml("name", constraints=[("required", None), ("required", None)])) == [
        "form field 'name': constraint 'required' is given more than once"
    ]


def test_check_form_definition_refuses_configs_that_do_not_parse():
    assert problems(
        field_xml("years_experience", "long", constraints=[("min", "three"), ("max", "")]),
        field_xml("start", "date", constraints=[("max", "2024-02-30")]),
        field_xml("notes", constraints=[("minlength", "-1"), ("maxlength", "ten")]),
        field_xml("agreed", "boolean", constraints=[("required", "yes")]),
    ) == [
        "form field 'years_experience': min 'three' is not an integer",
        "form field 'years_experience': max '' is not an integer",
        "form field 'start': max '2024-02-30' is not a date (YYYY-MM-DD)",
        "form field 'notes': minlength '-1' is not a whole number of 0 or more",
        "form field 'notes': maxlength 'ten' is not a whole number of 0 or more",
        "form field 'agreed': required 'yes' must be empty, true or false",
    ]


def test_check_form_definition_refuses_min_greater_than_max():
    assert problems(
        field_xml("years", "long", constraints=[("min", "10"), ("max", "5")]),
        field_xml("start", "date", constraints=[("min", "2024-06-01"), ("max", "2024-01-01")]),
        field_xml("notes", constraints=[("minlength", "9"), ("maxlength", "3")]),
    ) == [
        "form field 'years': min 10 is greater than max 5",
        "form field 'start': min 2024-06-01 is greater than max 2024-01-01",
        "form field 'notes': minlength 9 is greater than maxlength 3",
    ]


def test_check_form_definition_refuses_constraints_that_do_not_fit_the_type():
    assert problems(
        field_xml("agreed", "boolean", constraints=[("minlength", "1")]),
        field_xml("name", constraints=[("min", "1")]),
        field_xml("rating", "enum", body=RATING_OPTIONS, constraints=[("max", "1")]),
        field_xml("years", "long", constraints=[("maxlength", "2")]),
    ) == [
        "form field 'agreed': minlength does not apply to boolean fields",
        "form field 'name': min does not apply to string fields",
        "form field 'rating': max does not apply to enum fields",
        "form field 'years': maxlength does not apply to long fields",
    ]


def test_check_form_definition_refuses_defaults_that_do_not_fit():
    assert problems(
        field_xml("years", "long", default="a few"),
        field_xml("agreed", "boolean", default="yes"),
        field_xml("start", "date", default="next week"),
        field_xml("rating", "enum", default="poor", body=RATING_OPTIONS),
        field_xml("score", "long", default="11", constraints=[("max", "10")]),
        field_xml("code", default="toolong", constraints=[("maxlength", "3")]),
    ) == [
        "form field 'years': default 'a few' must be a whole number",
        "form field 'agreed': default 'yes' must be true or false",
        "form field 'start': default 'next week' must be a date (YYYY-MM-DD)",
        "form field 'rating': default 'poor' must be one of: good, excellent",
        "form field 'score': default '11' must be at most 10",
        "form field 'code': default 'toolong' must be at most 3 characters",
    ]
