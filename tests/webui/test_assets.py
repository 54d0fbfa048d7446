"""webui.assets: the esbuild bundles must be built; a page says so loudly when they are not."""

from __future__ import annotations

from webui.assets import BUNDLES, missing_bundle


def test_bundles_are_built(app):
    """Fails (never skips) on a checkout where `make setup` has not built the front end."""
    with app.app_context():
        for name in BUNDLES:
            assert missing_bundle(name) is None


def test_missing_bundle_names_the_files_and_the_fix(app, tmp_path, caplog):
    app.config["ASSETS_DIR"] = str(tmp_path)
    with app.app_context():
        message = missing_bundle("instance-diagram")
    assert "instance-diagram.js" in message and "npm ci && npm run build" in message
    assert "not built" in caplog.text
