"""Getting a serving process ready: warm the app up, then freeze what start-up made.

`gc.freeze()` moves every object alive at that moment (modules, classes, the app, the
engine's caches) into a generation the garbage collector never walks, so a full collection
while serving only visits what requests made since: shorter pauses, a lower p99
(docs/performance.md measures it). Each worker process does this after it built its app.
"""

from __future__ import annotations

import gc

from flask import Flask

# Pages that need no sign-in and touch no data: they compile templates and routes.
WARM_UP_PATHS = ("/login", "/api/v1/openapi.json")


def get_ready(app: Flask) -> None:
    """Serve the warm-up pages once, collect start-up garbage, freeze what is left."""
    client = app.test_client()
    for path in WARM_UP_PATHS:
        client.get(path)
    gc.collect()
    gc.freeze()
