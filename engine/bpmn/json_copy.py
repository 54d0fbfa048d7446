"""Deep copies of plain JSON values without the JSON text in between.

A JSON round trip (`json.loads(json.dumps(value))`) is how the engine makes sure a value
shares nothing and holds only what storing it would keep. Form values and process
variables are nearly always plain dicts, lists and scalars already, and for those a
structural copy gives the same result in a fraction of the time.
"""

from __future__ import annotations

import json

# JSON's own scalar types, exactly (a subclass, like an IntEnum, is written as its base).
_SCALARS = frozenset({str, int, float, bool, type(None)})
# Deeper values take the encoder's way, which also reports a cycle as it always did.
MAX_PLAIN_DEPTH = 64


class NotPlain(Exception):
    """The value holds something a JSON round trip would change: take that way."""


def plain_copy(value, depth: int = 0):
    """`value` as a round trip would give it back, without the JSON, when it is made only of
    dicts with str keys, lists and JSON scalars: fresh dicts and lists (nothing shared),
    the same immutable scalars. Raises `NotPlain` for anything else (tuples, sets,
    datetimes, callables, other key types, a "typename" key the registry would restore)."""
    kind = type(value)
    if kind is dict:
        if depth > MAX_PLAIN_DEPTH or "typename" in value:
            raise NotPlain
        copy = {}
        for key, item in value.items():
            if type(key) is not str:
                raise NotPlain
            copy[key] = item if type(item) in _SCALARS else plain_copy(item, depth + 1)
        return copy
    if kind is list:
        if depth > MAX_PLAIN_DEPTH:
            raise NotPlain
        return [item if type(item) in _SCALARS else plain_copy(item, depth + 1) for item in value]
    if kind in _SCALARS:
        return value
    raise NotPlain


def json_copy(value, default=None):
    """What `json.loads(json.dumps(value, default=default))` gives, without the JSON when
    `value` holds only JSON's own types (form values and process variables mostly do)."""
    try:
        return plain_copy(value)
    except NotPlain:
        return json.loads(json.dumps(value, default=default))
