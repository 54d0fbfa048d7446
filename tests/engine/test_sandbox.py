"""Tests for engine.bpmn.sandbox: process owners' Python runs restricted, bounded and useful.

Given task data, when an expression or script runs through the sandbox (directly or inside a
real BpmnWorkflow / DMN decision), then known escapes fail with ScriptError and leave no trace,
while ordinary conditions and scripts keep working.
"""

import gc
import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.bpmn import sandbox
from engine.bpmn.sandbox import (
    SandboxedEnvironment,
    check_expression,
    check_script,
    make_script_engine,
)
from engine.errors import ScriptError

DATA = Path(__file__).resolve().parents[1] / "data" / "sandbox"
NOON = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)

# Each escape names `{marker}`: a file it would create if it got out of the sandbox.
ESCAPES = {
    "dunder_import": "__import__('os').system('touch {marker}')",
    "import_statement": "import os\nos.system('touch {marker}')",
    "from_import": "from os import system\nsystem('touch {marker}')",
    "open_builtin": "open('{marker}', 'w').write('x')",
    "subclasses_walk": "().__class__.__base__.__subclasses__()",
    "object_subclasses": "object.__subclasses__()",
    "lambda_globals": "(lambda: 0).__globals__",
    "getattr_dunder": "getattr((), '__class__')",
    "eval_builtin": "eval(\"open('{marker}', 'w')\")",
    "exec_builtin": "exec(\"open('{marker}', 'w')\")",
    "compile_builtin": "compile(\"open('{marker}', 'w')\", 'x', 'exec')",
    "globals_builtin": "globals()['__builtins__']",
    "vars_builtin": "vars()",
    "locals_builtin": "locals()",
    "generator_frame_walk": "g = (x for x in [1])\nfound = g.gi_frame.f_back.f_globals",
    "type_three_args": "type('Escape', (), {{}})",
    "type_subclasses": "type(1).__subclasses__()",
    "format_attribute_walk": "'{{0.__class__}}'.format(1)",
    "format_map_walk": "'{{a.__class__}}'.format_map({{'a': 1}})",
    "builtins_subscript": "__builtins__['open']('{marker}', 'w')",
    "breakpoint_builtin": "breakpoint()",
    "help_builtin": "help()",
    "input_builtin": "input()",
    "setattr_builtin": "setattr(date, 'today', None)",
    "attribute_write": "date.today = lambda: '{marker}'",
    "builtin_type_write": "list.append = None",
    "delattr_builtin": "delattr(date, 'today')",
    "dir_builtin": "names = dir(today)",
    "date_class": "date.__class__",
    "bound_method_self": "datetime.now.__self__",
    "helper_globals": "today.__globals__['__builtins__']",
    "helper_code": "today.__code__",
    "mro_walk": "int.mro()[-1]",
    "exception_traceback": "e = ValueError()\ntb = e.__traceback__",
    "try_swallows_limits": "try:\n    while True:\n        pass\nexcept BaseException:\n    pass",
    "class_definition": "class Escape:\n    pass",
    "print_builtin": "print(open('{marker}', 'w'))",
    "exit_builtin": "exit()",
    "memoryview_builtin": "memoryview(b'x')",
    "super_builtin": "super()",
    "closure_of_checked_method": "m = 'x'.ljust\ninner = m.__closure__",
    "infinite_loop": "while True:\n    pass",
    "infinite_loop_one_line": "while True: pass",
    "exponential_recursion": "f = lambda n: n and f(n - 1) + f(n - 1)\nf(64)",
    "huge_comprehension": "xs = list(range(1000))\nys = [0 for a in xs for b in xs for c in xs]",
    "string_bomb": "s = 'x' * 10**10",
    "list_bomb": "xs = [0] * 10**10",
    "power_bomb": "n = 2 ** 10**10",
    "shift_bomb": "n = 1 << 10**10",
    "range_bomb": "xs = list(range(10**10))",
    "ljust_bomb": "s = 'x'.ljust(10**10)",
    "to_bytes_bomb": "b = (1).to_bytes(10**10, 'big')",
    "fstring_width_bomb": "s = f'{{1:>{{10**10}}}}'",
    "percent_width_bomb": "s = '%*d' % (10**10, 1)",
    "nested_alias_bomb": "xs = [[0] * 10**6] * 10**6",
    "doubling_bomb": "s = 'xx'\nwhile True:\n    s = s + s",
    "join_bomb": "s = 'x' * 10**5\nt = ''.join([s] * 10**5)",
}

# Expressions that must keep working: (expression, expected value) over ORDINARY_DATA.
ORDINARY_DATA = {
    "years_experience": 4,
    "a": 1,
    "b": 3,
    "reasons": ["x", "late"],
    "xs": [3, 1, 2],
    "name": "  Jo Smith ",
    "score": 7.25,
}
ORDINARY_EXPRESSIONS = [
    ("years_experience >= 3", True),
    ("a + b * 2", 7),
    ("'x' in reasons", True),
    ("[1, 'two', {'k': [3]}]", [1, "two", {"k": [3]}]),
    ("{'a': a, 'b': [b]}", {"a": 1, "b": [3]}),
    ("[x * 2 for x in xs if x > 1]", [6, 4]),
    ("{x: x * x for x in xs}", {3: 9, 1: 1, 2: 4}),
    ("sum(x for x in xs)", 6),
    ("len(xs)", 3),
    ("sorted(xs)", [1, 2, 3]),
    ("sorted(xs, key=lambda x: -x)", [3, 2, 1]),
    ("min(xs) + max(xs)", 4),
    ("any(r == 'late' for r in reasons) and all(xs)", True),
    ("f'{name.strip()} scored {score:.1f}'", "Jo Smith scored 7.2"),
    ("f'{len(reasons)!r:>3}'", "  2"),
    ("name.strip().lower()", "jo smith"),
    ("', '.join(reasons)", "x, late"),
    ("'a,b'.split(',')", ["a", "b"]),
    ("'%d%%' % 50", "50%"),
    ("str(a) + '-' + str(xs)", "1-[3, 1, 2]"),
    ("int('7') + round(2.567, 2) + abs(-1)", 10.57),
    ("isinstance(name, str) and not isinstance(a, str)", True),
    ("'senior' if years_experience > 10 else 'junior'", "junior"),
    ("list(range(3)) + [a] * 2", [0, 1, 2, 1, 1]),
    ("2 ** 10", 1024),
    ("add_duration('2026-01-31', 'P1M') == '2026-02-28'", True),
    ("add_duration('2024-02-29', 'P1Y')", "2025-02-28"),
    ("add_duration('2026-01-01', 'P2W3D')", "2026-01-18"),
    ("days_between('2026-01-01', '2026-03-01')", 59),
    ("parse_date('2026-05-04').year", 2026),
    ("(datetime(2026, 1, 1) + timedelta(days=1)).day", 2),
    ("datetime(2026, 1, 1).strftime('%d %B')", "01 January"),
    ("datetime.strptime('2026-01-02', '%Y-%m-%d').day", 2),
    ("today()", "2026-01-31"),
]


@pytest.fixture
def env():
    return SandboxedEnvironment(clock=lambda: NOON, time_limit=0.5)


@pytest.mark.parametrize("source", ESCAPES.values(), ids=ESCAPES.keys())
def test_escape_is_refused_without_side_effect(env, tmp_path, source):
    marker = tmp_path / "escaped"
    context = {"reasons": ["x"]}

    with pytest.raises(ScriptError):
        env.execute(source.format(marker=marker), context, {})

    assert not marker.exists()
    assert context == {"reasons": ["x"]}


def test_escape_corpus_is_large_enough():
    assert len(ESCAPES) >= 25


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').getcwd()",
        "().__class__",
        "open('/etc/passwd').read()",
        "'{0.__class__}'.format(1)",
        "[0] * 10**10",
        "len([0 for a in range(1000) for b in range(1000) for c in range(1000)])",
    ],
)
def test_escape_in_expression_is_refused(env, expression):
    with pytest.raises(ScriptError):
        env.evaluate(expression, {"x": 1})


@pytest.mark.parametrize(("expression", "expected"), ORDINARY_EXPRESSIONS)
def test_ordinary_expression_keeps_working(env, expression, expected):
    assert env.evaluate(expression, dict(ORDINARY_DATA)) == expected


def test_ordinary_script_updates_task_data_and_drops_functions(env):
    context = {"count": 1, "reasons": ["a"], "temp": 0, "xs": [3, 1, 2], "d": {}}
    script = (
        "count += 1\n"
        "reasons.append('x')\n"
        "first, second = 'one', 'two'\n"
        "first, second = second, first\n"
        "total = 0\n"
        "for i, x in enumerate(xs):\n"
        "    total += i * x\n"
        "def double(v):\n"
        "    return v * 2\n"
        "doubled = double(total)\n"
        "while count < 5:\n"
        "    count += 1\n"
        "d['k'] = [n for n in xs if n > 1]\n"
        "del temp\n"
        "due = add_duration(today(), 'P1M')\n"
        "label = f'{count} of {len(xs)}'\n"
    )

    assert env.execute(script, context, {}) is True

    assert context == {
        "count": 5,
        "reasons": ["a", "x"],
        "xs": [3, 1, 2],
        "d": {"k": [3, 2]},
        "first": "two",
        "second": "one",
        "total": 5,
        "i": 2,  # loop variables stay, as in plain Python
        "x": 2,
        "doubled": 10,
        "due": "2026-02-28",
        "label": "5 of 3",
    }
    json.dumps(context)


def test_task_data_may_shadow_a_helper(env):
    context = {"date": "2026-03-01"}

    env.execute("later = add_duration(date, 'P1D')", context, {})

    assert context == {"date": "2026-03-01", "later": "2026-03-02"}


def test_today_uses_the_injected_clock():
    env = SandboxedEnvironment(clock=lambda: datetime(2030, 12, 24, 23, 0, tzinfo=UTC))

    assert env.evaluate("today()", {}) == "2030-12-24"


def test_external_context_is_visible_but_not_stored(env):
    context = {"x": 2}

    assert env.evaluate("dmninputexpr == x", context, {"dmninputexpr": 2}) is True
    env.execute("y = helper_value + 1", context, {"helper_value": 1})

    assert context == {"x": 2, "y": 2}


def test_failed_script_leaves_task_data_unchanged(env):
    context = {"x": 1}

    with pytest.raises(ScriptError):
        env.execute("x = 2\ny = 1 / 0", context, {})

    assert context == {"x": 1}


def test_value_task_data_cannot_store_is_refused(env):
    with pytest.raises(ScriptError, match="holds a date.*isoformat"):
        env.execute("d = parse_date('2026-01-01')", {}, {})
    with pytest.raises(ScriptError, match="holds a generator"):
        env.execute("g = (x for x in [1])", {}, {})


def test_runtime_error_names_the_line(env):
    with pytest.raises(ScriptError) as raised:
        env.execute("x = 1\ny = missing_name + 1", {}, {})

    assert raised.value.line == 2
    assert "NameError" in str(raised.value) and "missing_name" in str(raised.value)


def test_time_limit_stops_a_loop_and_is_configurable():
    env = SandboxedEnvironment(time_limit=0.1)

    with pytest.raises(ScriptError, match="exceeded the time limit") as raised:
        env.execute("n = 0\nwhile True:\n    n += 1", {}, {})

    assert raised.value.line in (2, 3)


def test_time_limit_works_in_a_worker_thread():
    env = SandboxedEnvironment(time_limit=0.1)
    errors = []

    def work():
        try:
            env.evaluate("len([0 for a in range(10**5) for b in range(10**5)])", {})
        except ScriptError as error:
            errors.append(error)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=10)

    assert not worker.is_alive()
    assert len(errors) == 1 and "time limit" in str(errors[0])


def test_repeated_large_values_hit_the_run_budget(env):
    script = "s = 'x' * 900000\nkept = []\nwhile True:\n    kept.append(s + 'y')"

    with pytest.raises(ScriptError, match="too much data"):
        env.execute(script, {}, {})


def test_creating_millions_of_objects_is_stopped(monkeypatch):
    monkeypatch.setattr(sandbox, "MAX_NEW_BLOCKS", 100_000)
    env = SandboxedEnvironment(time_limit=60)  # the object bound, not the clock, must stop it
    script = "base = [(0,)] * 10000\nkept = [list(map(list, base)) for i in range(64)]"
    # The guard counts net growth of the process's blocks: garbage left by earlier tests,
    # collected during the run, would hide the growth, so start from a clean heap.
    gc.collect()

    with pytest.raises(ScriptError, match="too many objects"):
        env.execute(script, {}, {})


def test_non_text_is_refused(env):
    with pytest.raises(ScriptError, match="expected Python text"):
        env.evaluate(None, {})
    with pytest.raises(ScriptError, match="expected Python text"):
        check_script(["x = 1"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${x == 1}", "write `x == 1`, not `${x == 1}`"),
        ("#{approved}", "write `approved`"),
        ("x ==", "SyntaxError"),
        ("__import__('os')", "invalid variable name"),
        ("x.__class__", "invalid attribute name"),
        ("open('f')", "open() is not available"),
        ("'{}'.format(x)", "use an f-string"),
    ],
)
def test_check_expression_refuses_with_a_clear_message(text, message):
    with pytest.raises(ScriptError) as raised:
        check_expression(text)

    assert message in str(raised.value)
    assert not isinstance(raised.value, SyntaxError)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("x = 1\nimport os", "import is not allowed", 2),
        ("from os import path", "import is not allowed", 1),
        ("x = 1\ny = (", "SyntaxError", 2),
        ("try:\n    x = 1\nexcept Exception:\n    pass", "try/except is not allowed", 1),
        ("x = type(y)", "use isinstance()", 1),
        ("counts['a'] += 1", "Augmented assignment of object items", 1),
    ],
)
def test_check_script_refuses_with_line_number(text, message, line):
    with pytest.raises(ScriptError) as raised:
        check_script(text)

    assert message in str(raised.value)
    assert raised.value.line == line


@pytest.mark.parametrize(
    "text", ["years_experience >= 3 and 'x' in reasons", " score > 5 ", "f'{a}-{b}'"]
)
def test_check_expression_accepts_ordinary_expressions(text):
    check_expression(text)


def test_check_script_accepts_an_ordinary_script():
    check_script("count += 1\nreasons.append('x')\nfor r in reasons:\n    total = len(r)")


def run_script_and_gateway(data: dict, condition: str | None = None) -> BpmnWorkflow:
    xml = (DATA / "script_and_gateway.bpmn").read_text()
    if condition is not None:
        xml = xml.replace("score &gt;= 6", condition)
    parser = CamundaParser()
    parser.add_bpmn_str(xml.encode(), filename="script_and_gateway.bpmn")
    workflow = BpmnWorkflow(parser.get_spec("script_and_gateway"))
    workflow.script_engine = make_script_engine(clock=lambda: NOON)
    workflow.task_tree.set_data(**data)
    workflow.do_engine_steps()
    return workflow


def find_script_error(error: BaseException) -> ScriptError | None:
    """SpiffWorkflow wraps our error (as __context__/__cause__): find it the way the engine does."""
    while error is not None and not isinstance(error, ScriptError):
        error = error.__cause__ or error.__context__
    return error


def test_bpmn_script_task_and_gateway_run_in_the_sandbox():
    workflow = run_script_and_gateway({"years_experience": 4, "reasons": []})

    assert workflow.is_completed()
    ended = workflow.get_tasks(spec_name="accepted")[0]
    assert ended.data == {
        "years_experience": 4,
        "reasons": ["scored"],
        "score": 8,
        "review_due": "2026-02-28",
    }
    json.dumps(ended.data)


def test_bpmn_gateway_takes_the_other_branch():
    workflow = run_script_and_gateway({"years_experience": 1, "reasons": []})

    assert workflow.is_completed()
    assert workflow.get_tasks(spec_name="rejected")[0].data["score"] == 2


def test_bpmn_gateway_condition_escape_is_refused(tmp_path):
    marker = tmp_path / "escaped"
    condition = f"__import__('pathlib').Path('{marker}').touch() is None"

    with pytest.raises(SpiffWorkflowException) as raised:
        run_script_and_gateway({"years_experience": 4, "reasons": []}, condition)

    assert find_script_error(raised.value) is not None
    assert not marker.exists()


def run_decision(dmn_xml: str, script_engine) -> BpmnWorkflow:
    parser = CamundaParser()
    parser.add_bpmn_str((DATA / "decision_task.bpmn").read_bytes(), filename="decision.bpmn")
    parser.add_dmn_str(dmn_xml.encode(), filename="eligibility.dmn")
    workflow = BpmnWorkflow(parser.get_spec("decision_task"))
    workflow.script_engine = script_engine
    workflow.task_tree.set_data(years_experience=4)
    workflow.do_engine_steps()
    return workflow


def escape_dmn(marker: Path) -> str:
    hostile = "__import__('os').system('touch MARKER_PATH')"
    safe_for_any_shell = f"__import__('pathlib').Path('{marker}').touch()"
    text = (DATA / "eligibility_escape.dmn").read_text()
    return text.replace(hostile, safe_for_any_shell)


def test_dmn_decision_runs_in_the_sandbox():
    workflow = run_decision((DATA / "eligibility.dmn").read_text(), make_script_engine())

    assert workflow.is_completed()
    assert workflow.get_tasks(spec_name="end")[0].data["eligibility"] == "eligible"


def test_dmn_input_expression_escape_is_refused(tmp_path):
    marker = tmp_path / "escaped"

    with pytest.raises(SpiffWorkflowException) as raised:
        run_decision(escape_dmn(marker), make_script_engine())

    error = find_script_error(raised.value)
    assert error is not None and "__import__" in str(error)
    assert not marker.exists()


def test_dmn_escape_fixture_really_escapes_without_the_sandbox(tmp_path):
    """Control: SpiffWorkflow's default engine runs the same DMN and creates the marker."""
    marker = tmp_path / "escaped"

    workflow = run_decision(escape_dmn(marker), PythonScriptEngine())

    assert workflow.is_completed()
    assert marker.exists()
