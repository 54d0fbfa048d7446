"""Administration (admin role only): users with their roles, schools, password, API token
and active flag; the roles; the schools.

The engine checks names, roles and schools (InvalidInputError); a refused change shows the
form again with the message and what was typed. An administrator cannot deactivate or
demote their own account here, so the app always keeps one way back in.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request
from flask import url_for as url
from flask_login import current_user, login_required

from engine import InvalidInputError, NotFoundError, UserRecord
from webui import current

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only():
    if not current_user.has_role("admin"):
        abort(403, description="Administration is for users with the admin role.")


def _choices() -> dict:
    service = current.service()
    return {"roles": service.list_roles(), "schools": service.list_schools()}


@bp.get("")
def index():
    return redirect(url("admin.users"))


@bp.get("/users")
def users():
    return render_template(
        "admin/users.html",
        users=current.service().list_users(),
        role_names=current.role_names(),
        school_names=current.school_names(),
    )


@bp.route("/users/new", methods=("GET", "POST"))
def new_user():
    form = request.form
    if request.method == "POST":
        try:
            user = current.service().add_user(
                form.get("username", "").strip(),
                roles=form.getlist("roles"),
                schools=form.getlist("schools"),
                password=form.get("password") or None,
                display_name=form.get("display_name", "").strip() or None,
                email=form.get("email", "").strip() or None,
            )
        except InvalidInputError as refused:
            page = render_template(
                "admin/new_user.html", error=str(refused), form=form, **_choices()
            )
            return page, 400
        flash(f"Added user {user.username}.", "success")
        return redirect(url("admin.user", username=user.username))
    return render_template("admin/new_user.html", error=None, form={}, **_choices())


def _user_page(user: UserRecord, *, error=None, token=None, status=200):
    response = make_response(
        render_template("admin/user.html", user=user, error=error, token=token, **_choices()),
        status,
    )
    if token:
        response.headers["Cache-Control"] = "no-store"
    return response


def _get_user(username: str) -> UserRecord:
    try:
        return current.service().get_user(username)
    except NotFoundError:
        abort(404, description=f"There is no user named “{username}”.")


@bp.route("/users/<username>", methods=("GET", "POST"))
def user(username: str):
    record = _get_user(username)
    if request.method == "GET":
        return _user_page(record)
    roles = request.form.getlist("roles")
    if username == current.username() and "admin" not in roles:
        return _user_page(record, error="You cannot remove your own admin role.", status=400)
    try:
        record = current.service().update_user(
            username,
            roles=roles,
            schools=request.form.getlist("schools"),
            display_name=request.form.get("display_name", ""),
        )
    except InvalidInputError as refused:
        return _user_page(record, error=str(refused), status=400)
    flash(f"Saved {username}'s roles and schools.", "success")
    return redirect(url("admin.user", username=username))


@bp.post("/users/<username>/active")
def set_active(username: str):
    _get_user(username)
    active = request.form.get("active") == "1"
    if username == current.username() and not active:
        flash("You cannot deactivate your own account.", "error")
        return redirect(url("admin.user", username=username))
    current.service().update_user(username, active=active)
    flash(f"{username} is {'active again' if active else 'deactivated'}.", "success")
    return redirect(url("admin.user", username=username))


@bp.post("/users/<username>/password")
def set_password(username: str):
    record = _get_user(username)
    try:
        current.service().set_password(username, request.form.get("password", ""))
    except InvalidInputError as refused:
        return _user_page(record, error=str(refused), status=400)
    flash(f"Set a new password for {username}.", "success")
    return redirect(url("admin.user", username=username))


@bp.post("/users/<username>/token")
def issue_token(username: str):
    """A new API token for the user (e.g. a service account), shown this once."""
    record = _get_user(username)
    return _user_page(record, token=current.service().issue_api_token(username))


@bp.get("/roles")
def roles():
    return render_template("admin/roles.html", roles=current.service().list_roles())


@bp.route("/schools", methods=("GET", "POST"))
def schools():
    error, form = None, {}
    if request.method == "POST":
        form = request.form
        try:
            school = current.service().add_school(
                form.get("school_id", "").strip(), form.get("name", "")
            )
        except InvalidInputError as refused:
            error = str(refused)
        else:
            flash(f"Added school {school.name} ({school.id}).", "success")
            return redirect(url("admin.schools"))
    page = render_template(
        "admin/schools.html", schools=current.service().list_schools(), error=error, form=form
    )
    return page, 400 if error else 200
