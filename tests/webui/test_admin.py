"""Administration: admin-only pages for users, roles and schools."""

from __future__ import annotations

import pytest

from tests.webui.conftest import text

ADMIN_PAGES = ("/admin", "/admin/users", "/admin/users/new", "/admin/users/hana", "/admin/roles")


@pytest.mark.parametrize("username", ["hana", "sam", "ada", "lina", "rosa", "otto", "pat"])
def test_admin_pages_are_forbidden_to_other_roles(client, auth, username):
    auth.login(username)
    for url in (*ADMIN_PAGES, "/admin/schools"):
        assert client.get(url).status_code == 403, url
    assert client.post("/admin/schools", data={"school_id": "x", "name": "X"}).status_code == 403
    assert 'href="/admin/users"' not in text(client.get("/inbox"))


def test_admin_pages_need_sign_in(client):
    assert client.get("/admin/users").location.startswith("/login")


def test_admin_sees_every_page(client, auth):
    auth.login("root")
    for url in (*ADMIN_PAGES[1:], "/admin/schools"):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin").location == "/admin/users"
    page = text(client.get("/admin/users"))
    for username in ("hana", "lina", "rosa", "root"):
        assert f'href="/admin/users/{username}"' in page


def test_admin_creates_a_user_who_can_then_sign_in(client, auth, deployed):
    auth.login("root")
    response = client.post(
        "/admin/users/new",
        data={
            "username": "wanda",
            "display_name": "Wanda Washington",
            "password": "wanda-password",
            "roles": ["school_admin"],
            "schools": ["roosevelt_middle"],
        },
    )
    assert response.location == "/admin/users/wanda"
    user = deployed.get_user("wanda")
    assert user.roles == ("school_admin",) and user.schools == ("roosevelt_middle",)
    assert deployed.check_password("wanda", "wanda-password") is not None


def test_refused_new_user_keeps_what_was_typed(client, auth):
    auth.login("root")
    response = client.post(
        "/admin/users/new",
        data={"username": "bad name", "display_name": "Bad Name", "roles": ["hr"]},
    )
    assert response.status_code == 400
    page = text(response)
    assert "username &#39;bad name&#39; is not valid" in page
    assert 'value="Bad Name"' in page and 'id="role-hr" name="roles" value="hr" checked' in page


def test_admin_edits_roles_and_schools(client, auth, deployed):
    auth.login("root")
    response = client.post(
        "/admin/users/otto",
        data={"display_name": "Otto R.", "roles": ["sro"], "schools": ["roosevelt_middle"]},
    )
    assert response.location == "/admin/users/otto"
    user = deployed.get_user("otto")
    assert user.schools == ("roosevelt_middle",) and user.display_name == "Otto R."


def test_admin_cannot_remove_own_admin_role_or_deactivate_self(client, auth, deployed):
    auth.login("root")
    response = client.post("/admin/users/root", data={"roles": ["hr"]})
    assert response.status_code == 400
    assert deployed.get_user("root").roles == ("admin",)
    client.post("/admin/users/root/active", data={"active": "0"})
    assert deployed.get_user("root").active


def test_admin_deactivates_and_reactivates_a_user(client, auth, deployed):
    auth.login("root")
    client.post("/admin/users/sam/active", data={"active": "0"})
    assert not deployed.get_user("sam").active
    assert "deactivated" in text(client.get("/admin/users/sam"))
    client.post("/admin/users/sam/active", data={"active": "1"})
    assert deployed.get_user("sam").active


def test_admin_sets_a_password(client, auth, deployed):
    auth.login("root")
    assert client.post("/admin/users/sam/password", data={"password": "short"}).status_code == 400
    client.post("/admin/users/sam/password", data={"password": "a-long-password"})
    assert deployed.check_password("sam", "a-long-password") is not None


def test_admin_issues_a_token_shown_once(client, auth, deployed):
    auth.login("root")
    response = client.post("/admin/users/pat/token")
    assert response.headers["Cache-Control"] == "no-store"
    token = text(response).split('class="token" value="')[1].split('"')[0]
    assert deployed.user_for_token(token).username == "pat"


def test_unknown_user_is_404(client, auth):
    auth.login("root")
    assert client.get("/admin/users/nobody").status_code == 404


def test_roles_page_lists_the_seed_roles(client, auth):
    auth.login("root")
    page = text(client.get("/admin/roles"))
    assert "School administrator" in page and "Own schools only" in page


def test_admin_adds_a_school(client, auth, deployed):
    auth.login("root")
    response = client.post(
        "/admin/schools", data={"school_id": "washington_elementary", "name": "Washington ES"}
    )
    assert response.location == "/admin/schools"
    assert "Washington ES" in text(client.get("/admin/schools"))
    again = client.post("/admin/schools", data={"school_id": "washington_elementary", "name": "X"})
    assert again.status_code == 400 and "already exists" in text(again)
