"""The layering rules of engine/README.md, checked by reading every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("path", modules("engine"), ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_never_imports_the_web_layer(path):
    forbidden = {"flask", "flask_login", "flask_wtf", "jinja2", "webui"}
    assert not [n for n in imports_of(path) if top(n) in forbidden]


@pytest.mark.parametrize("path", modules("engine"), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_engine_bpmn_imports_spiffworkflow(path):
    if "bpmn" in path.relative_to(ROOT / "engine").parts[:1]:
        return
    assert not [n for n in imports_of(path) if top(n) == "SpiffWorkflow"]


@pytest.mark.parametrize("path", modules("webui"), ids=lambda p: str(p.relative_to(ROOT)))
def test_webui_uses_only_the_engines_public_names(path):
    import engine

    public = set(engine.__all__)
    for name in imports_of(path):
        assert top(name) not in {"sqlalchemy", "SpiffWorkflow", "alembic"}, name
        if top(name) == "engine":
            assert name.startswith("engine.") and name.count(".") == 1, name
            assert name.split(".")[1] in public, f"{path.name} imports {name}"
