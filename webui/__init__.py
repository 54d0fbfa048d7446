"""sroflow's web app: the task inbox, task forms, instances, administration and a JSON API.

Every page and API answer goes through the one `EngineService` of the app
(`app.extensions["sroflow"]`); this package imports only the names `engine` exports
(see webui/README.md).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from engine import EngineService


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def _secret_key(instance_path: str) -> str:
    """SROFLOW_SECRET_KEY, else a random key kept in the instance folder.

    Keeping it in a file means sessions survive a restart without anyone having to set it.
    Worker processes (`sroflow serve --workers N`) start together and must agree on it: a
    new key is written aside and linked into place, so the first to link wins for all.
    """
    if os.environ.get("SROFLOW_SECRET_KEY"):
        return os.environ["SROFLOW_SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
            file.write(secrets.token_hex(32))
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
        draft.unlink()
    return path.read_text().strip()


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; `test_config` replaces instance/config.py (and may pass `SERVICE`)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        DATABASE_URL=os.environ.get("SROFLOW_DATABASE_URL"),  # None: the engine's SQLite default
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=_env_flag("SROFLOW_SECURE_COOKIES"),
        SESSION_COOKIE_NAME="sroflow_session",
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        # The token lives as long as the session: a form left open over lunch still submits.
        WTF_CSRF_TIME_LIMIT=None,
        # We call CSRFProtect ourselves so token-authenticated API calls can skip it.
        WTF_CSRF_CHECK_DEFAULT=False,
        LOGIN_MAX_FAILURES=5,
        LOGIN_FAILURE_WINDOW=15 * 60,
        PAGE_SIZE=25,
        TIMEZONE=os.environ.get("SROFLOW_TIMEZONE", "UTC"),
        TRUST_PROXY_HEADERS=_env_flag("SROFLOW_TRUST_PROXY_HEADERS"),
        ASSETS_DIR=None,  # default: webui/static/dist
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app.instance_path)
    if app.config["TRUST_PROXY_HEADERS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    service = app.config.get("SERVICE") or EngineService(app.config["DATABASE_URL"])
    app.extensions["sroflow"] = service

    from webui import (
        admin,
        api,
        assets,
        auth,
        errors,
        inbox,
        instances,
        layout,
        notifications,
        processes,
        tasks,
        timers,  # noqa: F401  (nests its blueprint in admin.bp when imported)
    )

    auth.init_app(app)
    errors.init_app(app)
    layout.init_app(app)
    assets.init_app(app)
    for blueprint in (
        auth.bp,
        inbox.bp,
        tasks.bp,
        processes.bp,
        instances.bp,
        admin.bp,
        notifications.bp,
        api.bp,
    ):
        app.register_blueprint(blueprint)
    app.add_url_rule("/", endpoint="index", view_func=inbox.home)
    return app
