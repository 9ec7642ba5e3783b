"""The package's import graph: imports point inward only (DESIGN.md, docs/decisions/0010).

Read from the source with `ast`, so a new import that runs back up fails here naming the module
and the import, before anyone has to find the circle by hand.
"""

from __future__ import annotations

import ast
from pathlib import Path

import accord

SRC = Path(accord.__file__).parent
PURE = (
    "model",
    "policy",
    "matching",
    "linkage",
    "ledger",
    "crypto",
    "auth",
    "scenario",
    "graph",
    "documents",
)
ADAPTERS = ("store", "interop", "federation")
FRAMEWORKS = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "httpx", "typer", "rich")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in SRC.rglob("*.py"):
        parts = ("accord", *path.relative_to(SRC).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Every module `name` imports (type-checking imports and function-level imports too)."""
    out: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.add(full if full in MODULES else base)
    return out


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "accord" and len(parts) > 1 else None


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH[v] & MODULES.keys()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_itself_through_a_circle() -> None:
    assert _cycles() == []


def test_pure_packages_import_no_adapter_entry_point_or_framework() -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if _layer(module) in PURE
        for target in targets
        if _layer(target) in (*ADAPTERS, "services", "api", "cli", "web")
        or target.split(".")[0] in FRAMEWORKS
    )
    assert wrong == []


def test_adapters_import_no_use_case_or_entry_point() -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if _layer(module) in ADAPTERS
        for target in targets
        if _layer(target) in ("services", "api", "cli", "web")
    )
    assert wrong == []


def test_the_node_handle_and_settings_sit_below_services_and_adapters() -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module in ("accord.node", "accord.settings", "accord.errors")
        for target in GRAPH[module]
        if _layer(target) in (*ADAPTERS, "services", "api", "cli", "web")
    )
    assert wrong == []
