"""Save and restore running workflows as JSON, with the process spec stored by reference.

SpiffWorkflow embeds the whole spec (~9 KB) in every serialized instance. We store it once
per process version and splice it back in on load, so an instance row holds only its state.
"""

from __future__ import annotations

import json
from copy import deepcopy

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG as CAMUNDA_CONFIG

from engine.bpmn.timers import serializer_replacements


def _config() -> dict:
    """A copy of the Camunda serializer config with our clock-aware timer classes."""
    config = deepcopy(CAMUNDA_CONFIG)
    for library_class, ours in serializer_replacements().items():
        config[ours] = config.pop(library_class)
    return config


_registry = BpmnWorkflowSerializer.configure(_config())
_serializer = BpmnWorkflowSerializer(_registry)

SPEC_KEYS = ("spec", "subprocess_specs")


def spec_to_json(spec, subprocess_specs) -> str:
    """The spec part of a serialized workflow, stored once per process version."""
    _registry._encoder_mode = True
    try:
        dct = {
            "spec": _serializer.to_dict(spec),
            "subprocess_specs": {k: _serializer.to_dict(v) for k, v in subprocess_specs.items()},
        }
        return json.dumps(dct, cls=_serializer._encoder_cls)
    finally:
        _registry._encoder_mode = False


def specs_from_json(text: str):
    """Fresh spec objects from stored JSON (never shared between instances: some specs
    are rewritten at run time, e.g. multi-instance)."""
    dct = json.loads(text)
    spec = _serializer.from_dict(dct["spec"])
    subprocess_specs = {k: _serializer.from_dict(v) for k, v in dct["subprocess_specs"].items()}
    return spec, subprocess_specs


def workflow_to_json(workflow) -> str:
    """The workflow's state without its spec."""
    _registry._encoder_mode = True
    try:
        dct = _serializer.to_dict(workflow)
        for key in SPEC_KEYS:
            dct.pop(key, None)
        dct[_serializer.VERSION_KEY] = _serializer.VERSION
        return json.dumps(dct, cls=_serializer._encoder_cls)
    finally:
        _registry._encoder_mode = False


def workflow_from_json(state: str, spec_json: str):
    """Rebuild a workflow from its state and its version's spec JSON.

    The caller must attach the sandboxed script engine: SpiffWorkflow restores its default.
    """
    dct = json.loads(state)
    dct.update(json.loads(spec_json))
    _serializer.migrate(dct)
    return _serializer.from_dict(dct)
