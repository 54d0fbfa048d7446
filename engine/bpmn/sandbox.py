"""The sandbox for process owners' Python: conditions, scripts, DMN cells, timer expressions.

SpiffWorkflow's default environment runs `eval`/`exec` with full builtins, so one gateway
condition could run `__import__('os').system(...)`. Here code is compiled by RestrictedPython
with a stricter policy (no import, try, with, class, print, type(), str.format; no name or
attribute starting with `_`) and runs with guarded attribute, item and iteration access, a short
list of builtins and the date helpers. It mirrors TaskDataEnvironment: a script's new and changed
variables become task data, functions and modules do not; task data shadows a helper's name.

Bounded, per evaluate/execute call and in any thread (no signals, no sys.settrace):
- time (`time_limit`), checked in every loop iteration, function call and guarded iteration;
- values built by `* ** << + %`, f-strings, str()/repr(), range, sum, pow and the growing
  str/bytes/list/int methods: at most MAX_VALUE_SIZE items or characters each (ints
  MAX_INT_BITS), MAX_RUN_ALLOCATION in all;
- objects created: growth of sys.getallocatedblocks() from the first loop iteration or call
  on (process-wide, so a heuristic);
- task data leaving a script: MAX_DATA_SIZE, and only types the serializer can store.
Not bounded: one C-level call cannot be interrupted, so structures that share sub-objects can
still cost a lot inside one call reached another way (hashing a tuple holding many references to
a big tuple; `s = str; s(nested)`), nor can memory allocated between two checks. Give web workers
a process memory limit too. RestrictedPython refuses `d['k'] += 1`: write `d['k'] = d['k'] + 1`.
"""

from __future__ import annotations

import ast
import builtins
import contextvars
import functools
import importlib
import operator
import re
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from types import ModuleType

from dateutil.relativedelta import relativedelta
from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr_raise,
)
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.errors import ScriptError

MAX_VALUE_SIZE = 1_000_000  # items or characters in one value built by a guarded operation
MAX_RUN_ALLOCATION = 50_000_000  # the same, summed over one run (values over 10,000 only)
MAX_DATA_SIZE = 10_000_000  # task data (or a result) after a run, shared parts counted again
MAX_INT_BITS = 100_000
MAX_FORMAT_WIDTH = 10_000
MAX_NEW_BLOCKS = 5_000_000  # growth of sys.getallocatedblocks() during one run
_FILENAME = "<sandbox>"
# fmt: off
_REFUSED_CALLS = frozenset((
    "open", "compile", "globals", "locals", "vars", "dir", "breakpoint", "help", "input",
    "getattr", "setattr", "delattr", "hasattr", "type", "super", "object", "memoryview",
    "exit", "quit", "format",
))
_REFUSED_ATTRIBUTES = frozenset(("format", "format_map", "mro"))
_SAFE_NAMES = (
    "abs", "all", "any", "bool", "chr", "dict", "divmod", "enumerate", "filter", "float",
    "frozenset", "hex", "int", "isinstance", "issubclass", "len", "list", "map", "max", "min",
    "oct", "ord", "reversed", "round", "set", "slice", "sorted", "str", "tuple", "zip",
)
_GROWING = frozenset((
    "center", "ljust", "rjust", "zfill", "expandtabs", "replace", "join", "translate",
    "to_bytes", "extend",
))
_GROWING_BINOPS = {ast.Add: "+", ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Mod: "%"}
_OPS = {
    "+": operator.add, "*": operator.mul, "**": operator.pow, "<<": operator.lshift,
    "%": operator.mod, "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul,
    "/=": operator.itruediv, "//=": operator.ifloordiv, "%=": operator.imod,
    "**=": operator.ipow, "<<=": operator.ilshift, ">>=": operator.irshift,
    "|=": operator.ior, "&=": operator.iand, "^=": operator.ixor, "@=": operator.imatmul,
}
# fmt: on
_GROWING_TYPES = (str, bytes, list, int)
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_JUEL = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.DOTALL)
_DURATION = re.compile(r"^(-)?P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
_SCALARS = (type(None), bool, int, float, str)
_STORABLE = (*_SCALARS, list, tuple, dict, set, datetime, timedelta)  # what the serializer takes


class _LimitError(Exception):
    """A sandbox bound was hit; becomes a ScriptError with the script's line."""


class _Run:
    """Budgets of one evaluate/execute call, reached by the guards through a ContextVar."""

    def __init__(self, time_limit: float):
        self.time_limit = time_limit
        self.deadline = time.monotonic() + time_limit
        # Taken at the first loop iteration or call: sys.getallocatedblocks() walks every
        # arena of the process, so it costs more the more the process holds (tens of us
        # with its workflows kept in memory), and most conditions never loop or call.
        self.blocks: int | None = None
        self.allocated = 0
        self.ticks = 0


_RUN: contextvars.ContextVar[_Run] = contextvars.ContextVar("sandbox_run")


def _tick() -> None:
    """Called in every loop iteration and function call of sandboxed code."""
    run = _RUN.get()
    if time.monotonic() > run.deadline:
        raise _LimitError(f"exceeded the time limit of {run.time_limit:g} s")
    run.ticks += 1
    if run.blocks is None:
        run.blocks = sys.getallocatedblocks()
    elif run.ticks % 32 == 0 and sys.getallocatedblocks() - run.blocks > MAX_NEW_BLOCKS:
        raise _LimitError("the script created too many objects")


def _check_size(size: int) -> None:
    if size > MAX_VALUE_SIZE:
        raise _LimitError(f"a value of {size:,} items or characters is over the limit")
    run = _RUN.get()
    run.allocated += size if size > 10_000 else 0
    if run.allocated > MAX_RUN_ALLOCATION:
        raise _LimitError("the script built too much data")


def _deep_size(value, budget: int) -> int:
    """Items plus characters, shared parts counted each time; stops past `budget`."""
    size, stack = 0, [value]
    while stack and size <= budget:
        item = stack.pop()
        if isinstance(item, str | bytes):
            size += max(len(item), 1)
            continue
        size += 1
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
    return size


def _check_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise _LimitError(f"a number of about {bits:,} bits is over the limit")


def _check_binop(symbol: str, a, b) -> None:
    """Refuse an operation whose result would be huge, before Python builds it."""
    op = symbol.rstrip("=")
    seqs = (str, bytes, list, tuple)
    if op == "*":
        if isinstance(a, int) and isinstance(b, int):
            _check_bits(a.bit_length() + b.bit_length())
        for seq, count in ((a, b), (b, a)):
            if isinstance(seq, seqs) and isinstance(count, int) and count > 0:
                _check_size(count * _deep_size(seq, MAX_VALUE_SIZE // count + 1))
    elif op == "+" and isinstance(a, tuple) and isinstance(b, tuple):
        # Tuples are hashed element by element: count what they share, not just their length.
        _check_size(_deep_size(a, MAX_VALUE_SIZE) + _deep_size(b, MAX_VALUE_SIZE))
    elif op == "+" and isinstance(a, seqs) and isinstance(b, seqs):
        _check_size(len(a) + len(b))
    elif op == "**" and isinstance(a, int) and isinstance(b, int) and abs(a) > 1 and b > 0:
        _check_bits(a.bit_length() * b)
    elif op == "<<" and isinstance(a, int) and isinstance(b, int) and a:
        _check_bits(a.bit_length() + b)
    elif op == "%" and isinstance(a, str | bytes):
        text = a.decode("latin-1") if isinstance(a, bytes) else a
        for found in _PERCENT_SPEC.finditer(text):
            numbers = [n for n in found.groups() if n]
            if "*" in numbers or any(int(n) > MAX_FORMAT_WIDTH for n in numbers):
                raise _LimitError(f"the width or precision in {found.group(0)!r} is not allowed")
        _check_size(len(a) + _deep_size(b, MAX_VALUE_SIZE))


def _check_spec(spec: str) -> None:
    if any(int(n) > MAX_FORMAT_WIDTH for n in re.findall(r"\d+", spec)):
        raise _LimitError(f"the format width or precision in {spec!r} is too large")


def _binop(symbol: str, a, b):
    _check_binop(symbol, a, b)
    return _OPS[symbol](a, b)


def _format(value, conversion: int, spec: str) -> str:
    """An f-string field, with its width, precision and size checked first."""
    _check_spec(spec)
    _check_size(_deep_size(value, MAX_VALUE_SIZE))
    value = {115: str, 114: repr, 97: ascii}.get(conversion, lambda v: v)(value)
    return format(value, spec)


def _to_text(convert: Callable) -> Callable:
    """str() or repr() that first measures a container, shared parts counted each time."""

    def guarded(*args, **kwargs):
        _check_size(_deep_size(args[0], MAX_VALUE_SIZE) if args else 0)
        return convert(*args, **kwargs)

    return guarded


_guarded_str = _to_text(str)


def _guarded_iter(iterable):
    for item in iterable:
        _tick()
        yield item


def _guarded_range(*args):
    result = range(*args)
    try:
        _check_size(len(result))
    except OverflowError:
        _check_size(sys.maxsize)
    return result


def _guarded_sum(iterable, /, start=0):
    if not isinstance(start, list | tuple):
        return sum(_guarded_iter(iterable), start)
    for item in iterable:
        _tick()
        start = _binop("+", start, item)
    return start


def _guarded_pow(base, exp, mod=None):
    return _binop("**", base, exp) if mod is None else pow(base, exp, mod)


def _call_growing(obj, name: str, method: Callable, *args, **kwargs):
    """The growing methods of str, bytes, list and int, with the size of the result checked."""
    if name in ("join", "extend"):
        items, total = [], len(obj)
        for item in args[0]:
            _tick()
            total += len(item) + len(obj) if isinstance(item, str | bytes) else 1
            if total > MAX_VALUE_SIZE:
                _check_size(total)
            items.append(item)
        _check_size(total)
        return method(items)
    first = args[0] if args else None
    if name in ("center", "ljust", "rjust", "zfill", "to_bytes"):
        first = kwargs.get("width", kwargs.get("length", 1)) if first is None else first
        _check_size(first if isinstance(first, int) else 0)
    elif name == "expandtabs":
        tabsize = kwargs.get("tabsize", 8) if first is None else first
        _check_size(len(obj) * max(tabsize if isinstance(tabsize, int) else 8, 1))
    elif name == "replace" and len(args) >= 2:
        old, new = args[0], args[1]
        count = obj.count(old) if old else len(obj) + 1
        _check_size(len(obj) + count * max(len(new) - len(old), 0))
    elif name == "translate" and isinstance(first, dict):
        longest = max((len(v) for v in first.values() if isinstance(v, str)), default=1)
        _check_size(len(obj) * max(longest, 1))
    return method(*args, **kwargs)


def _guarded_getattr(obj, name: str):
    """RestrictedPython's safer getattr (no `_` names, no str.format), plus size checks."""
    if name in _REFUSED_ATTRIBUTES:
        raise AttributeError(f'"{name}" is not available in scripts')
    value = safer_getattr_raise(obj, name)
    if name in _GROWING:
        if isinstance(obj, type) and issubclass(obj, _GROWING_TYPES):
            raise AttributeError(f"call .{name}() on a value, not on the type")
        if isinstance(obj, _GROWING_TYPES):
            # A closure, not functools.partial: a partial's .args would hand out the method.
            def checked(*args, **kwargs):
                return _call_growing(obj, name, value, *args, **kwargs)

            return checked
    return value


def _internal_import(name, *args, **kwargs):
    """For C code only (datetime.strftime imports `time`); scripts cannot name `__import__`."""
    if name not in ("time", "_strptime"):
        raise ImportError(f"import of {name} is not allowed")
    return importlib.import_module(name)


def _apply(func, *args, **kwargs):
    return (_guarded_str if func is str else func)(*args, **kwargs)


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, refusing more and routing costly operations to guards."""

    def _guard_call(self, name: str, args: list, node: ast.AST) -> ast.Call:
        call = ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[])
        copy_locations(call, node)
        return call

    def _tick_statement(self, node: ast.AST) -> ast.Expr:
        statement = ast.Expr(self._guard_call("_tick_", [], node))
        copy_locations(statement, node)
        return statement

    def _refuse(self, node, message):
        self.error(node, message)
        return node

    def visit_Import(self, node):
        return self._refuse(node, "import is not allowed; date helpers are already available")

    visit_ImportFrom = visit_Import

    def visit_Try(self, node):
        return self._refuse(node, "try/except is not allowed: an error must stop the task")

    def visit_With(self, node):
        return self._refuse(node, "with statements are not allowed")

    def visit_ClassDef(self, node):
        return self._refuse(node, "class definitions are not allowed")

    def visit_Name(self, node):
        if node.id in ("print", "printed"):
            return self._refuse(node, "print() is not available: store values in variables")
        return super().visit_Name(node)

    def visit_Attribute(self, node):
        if node.attr in _REFUSED_ATTRIBUTES:
            hint = "; use an f-string" if node.attr.startswith("format") else ""
            return self._refuse(node, f'"{node.attr}" is not available in scripts{hint}')
        return super().visit_Attribute(node)

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id in _REFUSED_CALLS:
            hint = "; use isinstance()" if node.func.id == "type" else ""
            return self._refuse(node, f"{node.func.id}() is not available in scripts{hint}")
        node = super().visit_Call(node)
        if isinstance(node.func, ast.Name) and node.func.id == "str":
            node.func = ast.Name("_str_", ast.Load())
            copy_locations(node.func, node)
        return node

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        symbol = _GROWING_BINOPS.get(type(node.op))
        if symbol is None:
            return node
        return self._guard_call("_binop_", [ast.Constant(symbol), node.left, node.right], node)

    def visit_FormattedValue(self, node):
        node = self.node_contents_visit(node)
        spec = node.format_spec or ast.Constant("")
        args = [node.value, ast.Constant(node.conversion), spec]
        node.value = self._guard_call("_format_", args, node)
        node.conversion, node.format_spec = -1, None
        return node

    def visit_While(self, node):
        node = self.node_contents_visit(node)
        node.body.insert(0, self._tick_statement(node))
        return node

    def visit_FunctionDef(self, node):
        node = super().visit_FunctionDef(node)
        node.body.insert(0, self._tick_statement(node))
        return node

    def visit_Lambda(self, node):
        node = super().visit_Lambda(node)
        tick = self._guard_call("_tick_", [], node)
        node.body = ast.BoolOp(op=ast.Or(), values=[tick, node.body])
        copy_locations(node.body, node)
        return node


_BUILTINS = {name: getattr(builtins, name) for name in _SAFE_NAMES}
_BUILTINS.update(
    {k: v for k, v in safe_builtins.items() if isinstance(v, type) and issubclass(v, Exception)}
)
# fmt: off
_BUILTINS.update(
    range=_guarded_range, sum=_guarded_sum, pow=_guarded_pow, repr=_to_text(repr),
    _str_=_guarded_str, _getattr_=_guarded_getattr, _getitem_=operator.getitem,
    _getiter_=_guarded_iter, _write_=full_write_guard, _inplacevar_=_binop, _binop_=_binop,
    _unpack_sequence_=guarded_unpack_sequence, _format_=_format, _tick_=_tick,
    _iter_unpack_sequence_=guarded_iter_unpack_sequence, _apply_=_apply,
    __import__=_internal_import,
)
# fmt: on


def _compile(source: str, mode: str):
    if not isinstance(source, str):
        raise ScriptError(f"expected Python text, got {type(source).__name__}")
    return _compile_text(source, mode)


@functools.lru_cache(maxsize=1024)
def _compile_text(source: str, mode: str):
    """Restricted byte code for `source`; cached because a condition runs many times."""
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    try:
        result = compiler(source, _FILENAME, policy=_Policy)
    except Exception as error:  # a bare SyntaxError would crash SpiffWorkflow's error wrapper
        raise ScriptError(f"cannot compile: {type(error).__name__}: {error}") from None
    if result.errors:
        found = re.match(r"Line (\d+): (.*)", result.errors[0], re.DOTALL)
        if found:  # an expression is one unit: its line number would only be noise
            raise ScriptError(found.group(2), int(found.group(1)) if mode == "exec" else None)
        raise ScriptError(result.errors[0])
    return result.code


def _compile_expression(text: str):
    if isinstance(text, str):
        juel = _JUEL.match(text)
        if juel:
            inner = juel.group(1).strip()
            raise ScriptError(f"expressions are Python: write `{inner}`, not `{text.strip()}`")
        text = text.strip()
    return _compile(text, "eval")


def check_expression(text: str) -> None:
    """Compile an expression as the sandbox would, at deployment; raise ScriptError if not."""
    _compile_expression(text)


def check_script(text: str) -> None:
    """Compile a script as the sandbox would, at deployment; raise ScriptError if not."""
    _compile(text, "exec")


def _run(code, namespace: dict, time_limit: float, mode: str):
    token = _RUN.set(_Run(time_limit))
    try:
        if mode == "exec":
            return exec(code, namespace)
        result = eval(code, namespace)
        # Consume a lazy result here, while the budgets still apply.
        return list(result) if isinstance(result, Iterator) else result
    except Exception as error:
        line = None
        tb = error.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == _FILENAME:
                line = tb.tb_lineno
            tb = tb.tb_next
        message = (
            str(error) if isinstance(error, _LimitError) else f"{type(error).__name__}: {error}"
        )
        if len(message) > 500:
            message = message[:500] + "..."
        raise ScriptError(message, line if mode == "exec" else None) from None
    finally:
        _RUN.reset(token)


def _parse_date(value) -> date:
    """A date from 'YYYY-MM-DD' (dates in task data are ISO strings)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _add_duration(value, duration: str) -> str:
    """`value` plus an ISO 8601 duration of years, months, weeks and days, as 'YYYY-MM-DD'."""
    found = _DURATION.match(str(duration).strip())
    if not found:
        raise ValueError(f"{duration!r} is not a duration like 'P1Y2M', 'P3W' or 'P10D'")
    years, months, weeks, days = (int(n or 0) for n in found.groups()[1:])
    sign = -1 if found.group(1) else 1
    delta = relativedelta(years=years, months=months, weeks=weeks, days=days)
    return (_parse_date(value) + sign * delta).isoformat()


def _days_between(start, end) -> int:
    """Whole days from `start` to `end` (negative if `end` is earlier)."""
    return (_parse_date(end) - _parse_date(start)).days


class SandboxedEnvironment(BasePythonScriptEngineEnvironment):
    """TaskDataEnvironment's semantics, with restricted compilation, guards and bounds."""

    def __init__(self, clock: Callable[[], datetime] | None = None, time_limit: float = 2.0):
        self.clock = clock or (lambda: datetime.now(UTC))
        self.time_limit = time_limit
        super().__init__(
            {
                "today": lambda: self.clock().date().isoformat(),
                "parse_date": _parse_date,
                "add_duration": _add_duration,
                "days_between": _days_between,
                "date": date,
                "datetime": datetime,
                "timedelta": timedelta,
            }
        )

    def _namespace(self, context: dict, external_context: dict | None) -> dict:
        return {**self.globals, **(external_context or {}), **context, "__builtins__": _BUILTINS}

    def evaluate(self, expression, context, external_context=None):
        """The value of `expression` over the task data (which it cannot change)."""
        code = _compile_expression(expression)
        result = _run(code, self._namespace(context, external_context), self.time_limit, "eval")
        if _deep_size(result, MAX_DATA_SIZE) > MAX_DATA_SIZE:
            raise ScriptError("the expression's value is too large")
        return result

    def execute(self, script, context, external_context=None):
        """Run `script`; its new and changed variables become task data, functions do not."""
        code = _compile(script, "exec")
        namespace = self._namespace(context, external_context)
        injected = {**self.globals, **(external_context or {})}
        _run(code, namespace, self.time_limit, "exec")
        removed = [name for name in context if name not in namespace]  # `del name`
        changed = {}
        for name, value in namespace.items():
            if name.startswith("_") or (name in injected and injected[name] is value):
                continue
            if callable(value) or isinstance(value, ModuleType):
                removed.append(name)
            elif name not in context or context[name] is not value:
                _check_storable(name, value)
                changed[name] = value
        data = {k: v for k, v in context.items() if k not in removed} | changed
        if _deep_size(data, MAX_DATA_SIZE) > MAX_DATA_SIZE:
            raise ScriptError("the task data grew too large (or refers to itself)")
        for name in removed:
            context.pop(name, None)
        context.update(changed)
        return True


def _check_storable(name: str, value) -> None:
    """Refuse a value the serializer cannot write (dates are kept as ISO strings)."""
    stack, seen = [value], 0
    while stack and seen <= MAX_DATA_SIZE:
        item, seen = stack.pop(), seen + 1
        if isinstance(item, dict):
            stack.extend(item.values())
            key = next((key for key in item if not isinstance(key, _SCALARS)), None)
            if key is not None:
                kind = type(key).__name__
                raise ScriptError(f"variable '{name}' has a {kind} as a key: use strings")
        elif isinstance(item, list | tuple | set):
            stack.extend(item)
        elif not isinstance(item, _STORABLE):
            hint = ": store value.isoformat()" if isinstance(item, date) else ""
            kind = type(item).__name__
            raise ScriptError(
                f"variable '{name}' holds a {kind}, which task data cannot store{hint}"
            )


def make_script_engine(
    clock: Callable[[], datetime] | None = None, time_limit: float = 2.0
) -> PythonScriptEngine:
    """SpiffWorkflow's script engine over the sandbox; set it again after every deserialize."""
    return PythonScriptEngine(environment=SandboxedEnvironment(clock=clock, time_limit=time_limit))
