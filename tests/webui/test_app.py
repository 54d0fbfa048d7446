"""The application factory, shared layout, security headers, favicon and error pages."""

from __future__ import annotations

from engine import EngineService
from tests.webui.conftest import make_app, text
from webui import _secret_key, create_app


def test_testing_config_and_service_are_passed_in(app, deployed):
    assert app.testing
    assert app.extensions["sroflow"] is deployed


def test_service_is_created_from_database_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x"})
    service = app.extensions["sroflow"]
    assert isinstance(service, EngineService)
    assert str(service.db_engine.url) == url
    service.db_engine.dispose()


def test_database_url_defaults_to_the_environment(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("SROFLOW_DATABASE_URL", url)
    app = create_app({"SECRET_KEY": "x"})
    assert str(app.extensions["sroflow"].db_engine.url) == url
    app.extensions["sroflow"].db_engine.dispose()


def test_secret_key_is_kept_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("SROFLOW_SECRET_KEY", raising=False)
    key = _secret_key(str(tmp_path))
    assert key == _secret_key(str(tmp_path)) and len(key) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("SROFLOW_SECRET_KEY", "from-the-environment")
    assert _secret_key(str(tmp_path)) == "from-the-environment"


def test_security_headers_on_every_page(client, auth):
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    auth.login()
    assert client.get("/inbox").headers["Cache-Control"] == "no-store"


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"


def test_layout_has_skip_link_navigation_and_own_css(client, auth):
    auth.login("root")
    page = text(client.get("/inbox"))
    assert '<a class="skip-link" href="#main">' in page
    assert 'aria-label="Main"' in page and 'href="/admin/users"' in page
    assert "/static/css/sroflow.css" in page
    assert "http://" not in page.split("<body>")[0] and "https://" not in page.split("<body>")[0]


def test_static_css_and_notices_are_served(client):
    assert client.get("/static/css/sroflow.css").status_code == 200
    notices = client.get("/static/THIRD-PARTY-NOTICES.txt")
    assert notices.status_code == 200 and b"bpmn-js@" in notices.data


def test_404_page_is_friendly_html(client, auth):
    auth.login()
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Not found" in text(response) and "Back to your tasks" in text(response)


def test_405_outside_the_api_is_html(client):
    response = client.get("/logout")
    assert response.status_code == 405 and "<!doctype html>" in text(response)


def test_unexpected_errors_are_a_500_page_without_details(deployed):
    app = make_app(deployed, TESTING=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    @app.get("/api/boom")
    def api_boom():
        raise RuntimeError("secret detail")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in text(response) and "secret detail" not in text(response)
    response = app.test_client().get("/api/boom")
    assert response.status_code == 500 and response.json["error"].startswith("internal error")


def test_values_are_shown_for_people():
    from webui.layout import format_value, humanize

    assert format_value(True) == "Yes" and format_value(None) == "—"
    assert format_value(["a", "b"]) == "a, b"
    assert format_value({"officer": "Otto"}) == '{"officer": "Otto"}'
    assert humanize("years_experience") == "Years experience"
