"""The app is wired in one visible place, and the pages and the API meet only in the
neutral `shopfloor.http`: neither imports the other."""

from __future__ import annotations

import ast
from pathlib import Path

import shopfloor

PACKAGE = Path(shopfloor.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _importers(package: str, of: str) -> list[str]:
    return sorted(
        str(path.relative_to(PACKAGE.parent))
        for path in (PACKAGE / package).rglob("*.py")
        if any(name == of or name.startswith(of + ".") for name in _imported_modules(path)))


def test_the_pages_do_not_import_the_api():
    assert _importers("web", "shopfloor.api") == []


def test_the_api_does_not_import_the_pages():
    assert _importers("api", "shopfloor.web") == []


def test_what_both_share_imports_neither():
    assert _importers("http", "shopfloor.web") == []
    assert _importers("http", "shopfloor.api") == []


def test_the_web_package_wires_nothing():
    """Blueprints, extensions and hooks are registered by create_app, not by a package's
    import-time side effects."""
    web = ast.parse((PACKAGE / "web" / "__init__.py").read_text(encoding="utf-8"))
    assert [type(node).__name__ for node in web.body] == ["Expr"]  # its docstring only
