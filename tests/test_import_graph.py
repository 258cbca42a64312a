"""The package's imports point one way: no circle among its modules' top-level imports (STYLE.md, "The shape").

Imports inside functions and under `if TYPE_CHECKING:` are left out: they run after every module has loaded, or never.
Importing a submodule runs its parent package's `__init__` first, so that counts as an import of the parent too
(except from inside that package, which Python has already started).
"""

from __future__ import annotations

import ast
from pathlib import Path

import mockserver

PACKAGE = Path(mockserver.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """The module `name` loads: itself, or the module it is a name in."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """Each module of the package and the modules of the package its top-level imports load."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                module = _known(target, modules)
                if module is None or module == name:
                    continue
                graph[name].add(module)
                parent = module.rpartition(".")[0]
                while parent:
                    if parent in modules and parent != name and not name.startswith(parent + "."):
                        graph[name].add(parent)
                    parent = parent.rpartition(".")[0]
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
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
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle() -> None:
    graph = import_graph()
    assert len(graph) > 50
    circles = [
        "; ".join(f"{m} -> {', '.join(sorted(graph[m] & set(component)))}" for m in component)
        for component in cycles(graph)
    ]
    assert circles == []


def test_the_checker_sees_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_scenario_format_never_loads_what_interprets_it() -> None:
    """A scenario declares fault rules as data: loading the format loads neither the controls nor the HTTP layer."""
    graph = import_graph()
    seen: set[str] = set()
    todo = ["mockserver.scenario"]
    while todo:
        for module in graph[todo.pop()] - seen:
            seen.add(module)
            todo.append(module)
    assert sorted(m for m in seen if m.startswith(("mockserver.controls", "mockserver.api"))) == []


HANDLERS = ("mockserver.api.usages", "mockserver.api.read", "mockserver.api.admin")
SHARED_BY_HANDLERS = {"mockserver.api", "mockserver.api.auth", "mockserver.api.errors"}


def test_the_endpoints_keep_their_shape() -> None:
    """Thin handlers in `api/` reach no other handler; the views (`world/`) and models (`contract/`) reach no HTTP."""
    graph = import_graph()
    reached = {
        h: sorted(m for m in graph[h] if m.startswith("mockserver.api") and m not in SHARED_BY_HANDLERS)
        for h in HANDLERS
    }
    assert reached == {h: [] for h in HANDLERS}
    above = {
        "mockserver.world": ("mockserver.api", "mockserver.controls", "mockserver.cli", "mockserver.proxy"),
        "mockserver.contract": ("mockserver.api", "mockserver.world", "mockserver.controls", "mockserver.cli"),
    }
    wrong = sorted(
        f"{m} -> {other}"
        for m in graph
        for layer, forbidden in above.items()
        if m == layer or m.startswith(layer + ".")
        for other in graph[m]
        if other.startswith(forbidden)
    )
    assert wrong == []
