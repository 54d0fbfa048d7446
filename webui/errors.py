"""Engine errors and HTTP errors as pages people can act on, or as JSON under /api/.

One table maps each engine error to its HTTP status, so a page and the API answer the same
refusal with the same code: a task or instance of another school is 404 (the engine says
"not found" for what a user may not see), a missing right 403, a stale change 409.
"""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from engine import (
    ConflictError,
    DeploymentError,
    EngineError,
    FormValidationError,
    InvalidInputError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ScriptError,
)

STATUS = (
    (NotFoundError, 404),
    (PermissionDeniedError, 403),
    (ConflictError, 409),
    (InvalidStateError, 409),
    (FormValidationError, 422),
    (DeploymentError, 400),
    (InvalidInputError, 400),
    (ScriptError, 422),
    (EngineError, 400),
)

TITLES = {
    400: "The request could not be used",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed here",
    409: "Someone else got there first",
    422: "Please check the form",
    429: "Too many attempts",
    500: "Something went wrong on our side",
}

ADVICE = {
    403: "Your roles do not allow this. Ask an administrator if you think they should.",
    404: "It does not exist, or it belongs to a school you do not work for.",
    409: "Reload the page to see the current state, then try again.",
}


def status_of(error: EngineError) -> int:
    for kind, status in STATUS:
        if isinstance(error, kind):
            return status
    return 400


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(message: str, status: int, **extra):
    response = jsonify(error=message, status=status, **extra)
    response.status_code = status
    return response


def error_page(status: int, message: str | None = None):
    page = render_template(
        "errors/error.html",
        status=status,
        title=TITLES.get(status, "Error"),
        message=message,
        advice=ADVICE.get(status),
    )
    return page, status


def _engine_error(error: EngineError):
    status = status_of(error)
    if wants_json():
        extra = {}
        if isinstance(error, FormValidationError):
            extra["fields"] = error.errors
        if isinstance(error, DeploymentError):
            extra["problems"] = [p.to_dict() for p in error.problems]
        message = "form data refused" if isinstance(error, FormValidationError) else str(error)
        return json_error(message, status, **extra)
    return error_page(status, str(error))


def _csrf_error(error: CSRFError):
    message = "The form was not sent from this site, or it expired. Reload the page and retry."
    if wants_json():
        return json_error(f"CSRF check failed: {error.description}", 400)
    return error_page(400, message)


def _http_error(error: HTTPException):
    if wants_json():
        response = json_error(error.description or TITLES.get(error.code, "error"), error.code)
        headers = dict(error.get_headers())
        for name in ("Allow", "Retry-After", "WWW-Authenticate"):
            if name in headers:
                response.headers[name] = headers[name]
        return response
    return error_page(error.code, error.description)


def _unexpected(error: Exception):
    """A 500 (Flask has logged the exception already): no details leave the server."""
    original = getattr(error, "original_exception", None) or error
    if isinstance(original, HTTPException) and not isinstance(original, InternalServerError):
        return _http_error(original)
    if wants_json():
        return json_error("internal error; it has been logged", 500)
    return error_page(500, "The error has been logged. Please try again later.")


def init_app(app) -> None:
    app.register_error_handler(EngineError, _engine_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _unexpected)
