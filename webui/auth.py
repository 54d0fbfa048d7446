"""Signing in and out, the signed-in user, API tokens and role checks.

Users, passwords and tokens live in the engine (`check_password`, `get_user`,
`user_for_token`); this module only keeps the session. A request to /api/ that carries
`Authorization: Bearer ...` is authenticated by that token alone, never by the session
cookie, which is what lets such requests skip CSRF checks safely. Such a request does not
even read the cookie: it gets an empty session that is never saved (`TokenRequestSessions`),
so it cannot sign anyone in or out, and it skips the cookie's signature check.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from flask_wtf.csrf import CSRFProtect

from engine import NotFoundError, UserRecord
from webui import current
from webui.throttle import LoginThrottle

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


class WebUser(UserMixin):
    """The signed-in user as flask-login wants it, wrapping the engine's UserRecord."""

    def __init__(self, record: UserRecord):
        self.record = record

    def get_id(self) -> str:
        return self.record.username

    @property
    def is_active(self) -> bool:
        return self.record.active

    @property
    def username(self) -> str:
        return self.record.username

    @property
    def display_name(self) -> str:
        return self.record.display_name

    @property
    def roles(self) -> tuple[str, ...]:
        return self.record.roles

    @property
    def schools(self) -> tuple[str, ...]:
        return self.record.schools

    def has_role(self, *keys: str) -> bool:
        return bool(set(self.record.roles).intersection(keys))


def bearer_token(of=None) -> str | None:
    """The API token of this request (or of request `of`), if it is an API request that
    carries one."""
    req = request if of is None else of
    if not req.path.startswith("/api/"):
        return None
    scheme, _, token = req.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


class TokenRequestSession(SecureCookieSession):
    """The session of a token-authenticated API request: empty, and never saved."""


class TokenRequestSessions(SecureCookieSessionInterface):
    """Signed cookie sessions, except for API requests that carry a token.

    Those are authenticated by the token alone, so the cookie is not read (no signature
    check on every API call) and nothing the request does reaches a cookie."""

    def open_session(self, app, request):
        if bearer_token(request) is not None:
            return TokenRequestSession()
        return super().open_session(app, request)

    def save_session(self, app, session, response) -> None:
        if not isinstance(session, TokenRequestSession):
            super().save_session(app, session, response)


@login_manager.user_loader
def _load_session_user(username: str) -> WebUser | None:
    if bearer_token() is not None:
        return None  # the token decides, never the cookie (see the module docstring)
    try:
        record = current.service().get_user(username)
    except NotFoundError:
        return None
    return WebUser(record) if record.active else None


@login_manager.request_loader
def _load_token_user(_request) -> WebUser | None:
    token = bearer_token()
    if not token:
        return None
    record = current.service().user_for_token(token)
    if record is None:
        return None
    g.token_authenticated = True
    return WebUser(record)


@login_manager.unauthorized_handler
def _unauthorized():
    if request.path.startswith("/api/"):
        response = jsonify(error="sign in or send 'Authorization: Bearer <token>'", status=401)
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="sroflow"'
        return response
    flash("Please sign in to continue.", "info")
    target = request.full_path if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target.rstrip("?") if target else None))


def _check_csrf() -> None:
    """CSRF on every unsafe request, except API calls that authenticate with a token."""
    if request.method in SAFE_METHODS or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if bearer_token() is not None:
        return
    csrf.protect()


def init_app(app) -> None:
    app.session_interface = TokenRequestSessions()
    login_manager.init_app(app)
    csrf.init_app(app)
    app.before_request(_check_csrf)
    app.extensions["sroflow_login_throttle"] = LoginThrottle(
        app.config["LOGIN_MAX_FAILURES"],
        app.config["LOGIN_FAILURE_WINDOW"],
        app.extensions["sroflow"],
    )


def role_required(*roles: str):
    """A view for signed-in users holding one of `roles`; others get 403."""

    def decorate(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403, description="This page is for " + " or ".join(roles) + " users.")
            return view(*args, **kwargs)

        return wrapped

    return decorate


def safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would make phishing links look like ours."""
    parts = urlsplit(target or "")
    local = target and target.startswith("/") and not target.startswith("//")
    if local and not parts.scheme and not parts.netloc and "\\" not in target:
        return target
    return url_for("inbox.index")


@bp.route("/login", methods=("GET", "POST"))
def login():
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    if request.method == "GET":
        return render_template("auth/login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    throttle: LoginThrottle = current_app.extensions["sroflow_login_throttle"]
    wait = throttle.retry_after(username, request.remote_addr)
    if wait:
        minutes = -(-wait // 60)
        message = (
            f"Too many failed sign-in attempts for this username. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        )
        return _login_refused(username, message, 429)
    record = current.service().check_password(username, password) if username else None
    if record is None:
        throttle.failed(username, request.remote_addr)
        return _login_refused(username, "Wrong username or password.", 401)
    throttle.succeeded(username, request.remote_addr)
    session.clear()  # a fresh session: nothing chosen before sign-in carries over
    login_user(WebUser(record))
    session.permanent = True
    flash(f"Signed in as {record.display_name}.", "success")
    return redirect(safe_next(request.form.get("next")))


def _login_refused(username: str, message: str, status: int):
    page = render_template(
        "auth/login.html", error=message, username=username, next=request.form.get("next", "")
    )
    return page, status


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    flash("You are signed out.", "success")
    return redirect(url_for("auth.login"))


@bp.get("/account")
@login_required
def account():
    return render_template("auth/account.html", token=None)


@bp.post("/account/token")
@login_required
def account_token():
    """Issue a new API token (replacing the old one) and show it this once."""
    token = current.service().issue_api_token(current.username())
    response = make_response(render_template("auth/account.html", token=token))
    response.headers["Cache-Control"] = "no-store"
    return response
