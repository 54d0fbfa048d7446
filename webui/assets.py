"""The browser bundles built by esbuild (`npm ci && npm run build`, run by `make setup`).

They are git-ignored, so a checkout without a build has none: every page that needs one
says so in a visible alert and the app logs an error, rather than showing an empty box.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)

BUNDLES = {"instance-diagram": ("instance-diagram.js", "instance-diagram.css")}
BUILD_COMMAND = "make setup (or: npm ci && npm run build)"


def assets_dir() -> Path:
    configured = current_app.config.get("ASSETS_DIR")
    return Path(configured) if configured else Path(current_app.static_folder) / "dist"


def missing_bundle(name: str) -> str | None:
    """A message naming the missing files of bundle `name`, or None when it is built."""
    missing = [f for f in BUNDLES[name] if not (assets_dir() / f).is_file()]
    if not missing:
        return None
    message = (
        f"The {name} bundle is not built (missing {', '.join(missing)} in "
        f"{assets_dir()}). Run: {BUILD_COMMAND}."
    )
    log.error(message)
    return message


def init_app(app) -> None:
    with app.app_context():
        for name in BUNDLES:
            missing_bundle(name)  # logged at start-up, not only when a page needs it
