"""Signing in and out, throttling, CSRF, session cookies, the account page and tokens."""

from __future__ import annotations

import pytest

from tests.webui.conftest import csrf_token, make_app, password, text


def test_login_page_has_labelled_fields(client):
    page = text(client.get("/login"))
    assert '<label for="username">' in page and 'id="username"' in page
    assert '<label for="password">' in page and 'id="password"' in page


def test_pages_redirect_to_login_when_signed_out(client):
    response = client.get("/inbox?view=queue")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")
    assert client.get("/").location == "/login"


def test_login_with_right_password_lands_in_inbox(client, auth):
    response = auth.login("hana")
    assert response.status_code == 302 and response.location == "/inbox"
    page = text(client.get("/inbox"))
    assert "Signed in as hana" in page
    assert client.get("/").location == "/inbox"


def test_login_follows_next_only_on_this_site(client):
    data = {"username": "hana", "password": password("hana")}
    response = client.post("/login", data={**data, "next": "/processes"})
    assert response.location == "/processes"
    client.post("/logout")
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = client.post("/login", data={**data, "next": evil})
        assert response.location == "/inbox", evil
        client.post("/logout")


def test_wrong_password_is_refused_with_a_message(client, auth):
    response = auth.login("hana", "not-the-password")
    assert response.status_code == 401
    assert "Wrong username or password." in text(response)
    assert client.get("/inbox").status_code == 302


def test_deactivated_user_cannot_sign_in_and_loses_the_session(client, auth, deployed):
    auth.login("sam")
    deployed.update_user("sam", active=False)
    assert client.get("/inbox").status_code == 302  # the session no longer counts
    assert auth.login("sam").status_code == 401


def test_login_is_throttled_after_five_failures(client, auth, clock):
    for _ in range(5):
        assert auth.login("hana", "wrong-password").status_code == 401
    refused = auth.login("hana")  # even the right password
    assert refused.status_code == 429
    assert "Too many failed sign-in attempts" in text(refused)
    assert "15 minutes" in text(refused)
    assert auth.login("sam").status_code == 302  # other usernames are not affected
    clock.advance(minutes=15, seconds=1)
    assert auth.login("hana").status_code == 302


def test_successful_login_resets_the_failure_count(client, auth):
    for _ in range(4):
        auth.login("hana", "wrong-password")
    assert auth.login("hana").status_code == 302
    auth.logout()
    for _ in range(4):
        auth.login("hana", "wrong-password")
    assert auth.login("hana").status_code == 302


def test_logout_is_a_post_and_ends_the_session(client, auth):
    auth.login()
    assert client.get("/logout").status_code == 405
    response = auth.logout()
    assert response.location == "/login"
    assert client.get("/inbox").status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(client, auth):
    response = auth.login()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_secure_cookie_can_be_required(deployed):
    client = make_app(deployed, SESSION_COOKIE_SECURE=True).test_client()
    response = client.post("/login", data={"username": "hana", "password": password("hana")})
    assert "Secure" in response.headers["Set-Cookie"]


def test_post_without_csrf_token_is_refused(csrf_client):
    response = csrf_client.post("/login", data={"username": "hana", "password": "hr-password"})
    assert response.status_code == 400
    assert "The form was not sent from this site" in text(response)


def test_post_with_csrf_token_is_accepted(csrf_client):
    token = csrf_token(csrf_client)
    data = {"username": "hana", "password": "hr-password", "csrf_token": token}
    assert csrf_client.post("/login", data=data).location == "/inbox"
    token = csrf_token(csrf_client, "/inbox")
    assert csrf_client.post("/logout").status_code == 400  # signed-in forms need it too
    assert csrf_client.post("/logout", data={"csrf_token": token}).location == "/login"


@pytest.mark.parametrize("username", ["hana", "lina", "root"])
def test_account_page_shows_roles(client, auth, username):
    auth.login(username)
    page = text(client.get("/account"))
    assert username in page and "API token" in page


def test_account_token_is_shown_once_and_works(client, auth, deployed):
    auth.login("lina")
    response = client.post("/account/token")
    assert response.headers["Cache-Control"] == "no-store"
    token = text(response).split('id="new-token" class="token" value="')[1].split('"')[0]
    assert deployed.user_for_token(token).username == "lina"
    assert token not in text(client.get("/account"))
