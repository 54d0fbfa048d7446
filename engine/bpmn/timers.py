"""Timer events that read the engine's clock instead of the wall clock.

SpiffWorkflow's timer definitions call `datetime.now()` directly, so tests could only wait
and demos could not move time. These subclasses keep the library's class names (so the
serialized JSON is unchanged) and take "now" from the clock carried by the workflow's
script engine, which the engine attaches after every load.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.event_parsers import (
    BoundaryEventParser,
    IntermediateCatchEventParser,
    StartEventParser,
)
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.camunda.parser.event_parsers import (
    CamundaBoundaryEventParser,
    CamundaIntermediateCatchEventParser,
    CamundaStartEventParser,
)

from engine.errors import ScriptError

TimerBase = spiff_timer.TimerEventDefinition


def engine_now(my_task) -> datetime:
    """The engine clock's now (falls back to the wall clock outside the engine)."""
    environment = getattr(my_task.workflow.script_engine, "environment", None)
    clock = getattr(environment, "clock", None)
    return clock() if callable(clock) else datetime.now(UTC)


def add_iso_duration(start: datetime, expression: str) -> datetime:
    """`start` plus an ISO 8601 duration, months and years counted on the calendar."""
    try:
        parsed = TimerBase.parse_iso_duration(str(expression))
        return start + TimerBase.get_timedelta_from_start(parsed, start)
    except Exception:  # the library raises a bare Exception('Invalid duration')
        raise ScriptError(
            f"{expression!r} is not an ISO 8601 duration (write e.g. 'P6M', 'P14D', 'PT1H')"
        ) from None


def parse_time_or_duration(value):
    """A date/time or a duration dict, with a clear error for anything else."""
    try:
        return TimerBase.parse_time_or_duration(str(value))
    except Exception:
        raise ScriptError(f"{value!r} is neither an ISO 8601 date/time nor a duration") from None


def _on_task(method):
    """Report a bad timer value against its element (SpiffWorkflow's task exception)."""

    def wrapped(self, my_task):
        try:
            return method(self, my_task)
        except ScriptError as error:
            raise WorkflowTaskException(str(error), task=my_task, exception=error) from error

    return wrapped


class TimeDateEventDefinition(spiff_timer.TimeDateEventDefinition):
    @_on_task
    def has_fired(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            my_task._set_internal_data(event_value=event_value)
        if parse_time_or_duration(event_value) <= engine_now(my_task):
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class DurationTimerEventDefinition(spiff_timer.DurationTimerEventDefinition):
    @_on_task
    def has_fired(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        now = engine_now(my_task)
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            event_value = add_iso_duration(now, expression).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if parse_time_or_duration(event_value) <= now:
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class CycleTimerEventDefinition(spiff_timer.CycleTimerEventDefinition):
    @_on_task
    def cycle_complete(self, my_task):
        now = engine_now(my_task)
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            cycles, start, _, duration = parse_cycle(expression, now)
            event_value = {"cycles": cycles, "next": start.isoformat(), "duration": duration}
        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            if next_event <= now:
                event_value["next"] = (
                    next_event + timedelta(seconds=event_value["duration"])
                ).isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


def parse_cycle(expression: str, now: datetime) -> tuple[int, datetime, str | None, float]:
    """(cycles, first due time, ISO interval, seconds between) of an ISO 8601 repeating
    interval; a bare `R/P1Y` starts one interval after `now`. The ISO interval (when the
    expression has one) lets the next due time follow the calendar (leap years, months)."""
    components = expression.upper().replace("--", "/").strip("R").split("/")
    cycles = int(components[0]) if components[0] else -1
    interval = next((c for c in components[1:] if c.startswith("P")), None)
    if len(components) == 2 and interval:
        first = add_iso_duration(now, interval)
        return cycles, first, interval, (first - now).total_seconds()
    try:
        cycles, start, duration = TimerBase.parse_iso_recurring_interval(expression)
    except Exception:
        raise ScriptError(
            f"{expression!r} is not an ISO 8601 repeating interval (write e.g. 'R/P1Y')"
        ) from None
    return cycles, start, interval, duration.total_seconds()


_REPLACEMENTS = {
    spiff_timer.TimeDateEventDefinition: TimeDateEventDefinition,
    spiff_timer.DurationTimerEventDefinition: DurationTimerEventDefinition,
    spiff_timer.CycleTimerEventDefinition: CycleTimerEventDefinition,
}


class _ClockTimers:
    """Parser mixin: swap the library's timer definitions for the clock-aware ones."""

    def parse_timer_event(self, event):
        definition = super().parse_timer_event(event)
        ours = _REPLACEMENTS.get(type(definition))
        if ours is None:
            return definition
        return ours(definition.name, definition.expression, description=definition.description)


class ClockStartEventParser(_ClockTimers, CamundaStartEventParser):
    def create_task(self):
        return StartEventParser.create_task(self)


class ClockIntermediateCatchEventParser(_ClockTimers, CamundaIntermediateCatchEventParser):
    def create_task(self):
        return IntermediateCatchEventParser.create_task(self)


class ClockBoundaryEventParser(_ClockTimers, CamundaBoundaryEventParser):
    def create_task(self):
        return BoundaryEventParser.create_task(self)


def serializer_replacements() -> dict:
    """Library timer class → ours, for the serializer configuration."""
    return dict(_REPLACEMENTS)
