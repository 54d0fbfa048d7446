"""Import rules: webui uses only the names `engine` exports (never SQLAlchemy, SpiffWorkflow
or engine submodules), and engine never imports Flask."""

from __future__ import annotations

import ast
from pathlib import Path

import engine

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_WEBUI = ("sqlalchemy", "SpiffWorkflow", "alembic", "RestrictedPython", "lxml")
FORBIDDEN_IN_ENGINE = ("flask", "flask_login", "flask_wtf", "jinja2", "waitress")


def imports(folder: Path):
    """(file, imported module, names) for every import statement under `folder`."""
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name, ()
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                yield path, node.module, tuple(alias.name for alias in node.names)


def test_webui_uses_only_engines_public_names():
    problems = []
    for path, module, names in imports(ROOT / "webui"):
        top = module.split(".")[0]
        if top in FORBIDDEN_IN_WEBUI:
            problems.append(f"{path.name} imports {module}")
        elif top == "engine" and module != "engine":
            problems.append(f"{path.name} imports the engine submodule {module}")
        elif module == "engine":
            problems += [
                f"{path.name}: engine.{n} is not public" for n in names if n not in engine.__all__
            ]
    assert problems == []


def test_engine_never_imports_flask():
    problems = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path, module, _ in imports(ROOT / "engine")
        if module.split(".")[0] in FORBIDDEN_IN_ENGINE
    ]
    assert problems == []
