"""Browser tests: Debian's chromium driven by Playwright against the app served from this
process (werkzeug on a free port, in a thread), on SQLite, with CSRF on as in production.

A missing chromium FAILS these tests (CI must not go green on skips); set
SROFLOW_SKIP_BROWSER_TESTS=1 to skip them on a machine without it, deliberately.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.webui.conftest import CANDIDATE_REVIEW, OFFICER_FEEDBACK, make_app, with_password

CHROMIUM = Path("/usr/bin/chromium")
# Without these, chromium keeps calling home, and this machine's closed network refuses it.
QUIET_FLAGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        if os.environ.get("SROFLOW_SKIP_BROWSER_TESTS") == "1":
            pytest.skip("chromium is missing and SROFLOW_SKIP_BROWSER_TESTS=1")
        pytest.fail(
            f"{CHROMIUM} is missing: `apt-get install -y chromium` (never `playwright install`)"
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [*browser_type_launch_args.get("args", []), *QUIET_FLAGS],
    }


@pytest.fixture
def database_url(tmp_path):
    """SQLite only: the browser is what these tests exercise, not the database."""
    return f"sqlite:///{tmp_path / 'browser.db'}"


@pytest.fixture
def deployed(people):
    people.deploy_files([str(CANDIDATE_REVIEW), str(OFFICER_FEEDBACK)], deployed_by="pat")
    return people


@pytest.fixture
def live_server(deployed):
    """The app at http://127.0.0.1:<free port>, CSRF on; yields its base URL."""
    app = make_app(deployed, TESTING=False, WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def console_errors(page):
    """Console errors, script errors and failed loads of files (scripts, styles, icons);
    a test asserts it stays empty. Pages themselves may answer 4xx on purpose (422)."""
    errors = []

    def on_response(response):
        if response.status >= 400 and response.request.resource_type != "document":
            errors.append(f"{response.status} {response.url}")

    def on_console(message):
        if message.type == "error" and "status of 422" not in message.text:
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", on_response)
    return errors


@pytest.fixture
def sign_in(page, live_server, deployed):
    """Sign in through the form with the keyboard only, as `username`."""

    def sign_in_as(username: str):
        secret = with_password(deployed, username)
        page.goto(f"{live_server}/login")
        expect(page.get_by_label("Username")).to_be_focused()  # autofocus
        page.keyboard.type(username)
        page.keyboard.press("Tab")
        page.keyboard.type(secret)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{live_server}/inbox")

    return sign_in_as
