"""The modules of shopfloor import one way: no module imports, however indirectly, one that
imports it back. Every import counts, those inside functions too, so a cycle cannot be
hidden by deferring one side of it (docs/ARCHITECTURE.md, "Layers")."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "shopfloor"


def modules() -> dict[str, tuple[Path, bool]]:
    """Dotted name -> (file, is a package) for every module of shopfloor."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _owning_module(name: str, known) -> str | None:
    """The module that `name` is, or that defines it (`a.b.c` -> `a.b` when c is a name)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, dict[str, int]]:
    """Module -> {module it imports: line of the first such import}, within shopfloor."""
    known = modules()
    graph: dict[str, dict[str, int]] = {name: {} for name in known}
    for name, (path, is_package) in known.items():
        here = name if is_package else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                # `from a import b` imports the module a.b when there is one, else a.
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                           for alias in node.names]
            for target in targets:
                module = _owning_module(target, known)
                if module is not None and module != name:
                    graph[name].setdefault(module, node.lineno)
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def describe(component: list[str], graph) -> str:
    members = set(component)
    return "\n".join(f"  {source}:{line} imports {target}"
                     for source in component
                     for target, line in sorted(graph[source].items()) if target in members)


def test_no_module_of_shopfloor_imports_itself_back():
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n\n".join(describe(c, graph) for c in found)


def test_the_walk_sees_relative_and_function_level_imports():
    graph = import_graph()
    # fefo imports the availability rule with a relative import ("from .availability …")
    assert "shopfloor.domain.availability" in graph["shopfloor.domain.fefo"]
    assert "shopfloor.services.availability" in graph["shopfloor.services.production"]


def test_a_cycle_through_a_function_level_import_is_found():
    graph = {"a": {"b": 1}, "b": {"c": 3}, "c": {"a": 12}, "d": {"a": 1}}
    assert cycles(graph) == [["a", "b", "c"]]
