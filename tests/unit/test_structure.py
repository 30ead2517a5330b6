"""The structure of the code: no import cycle among hub modules, no hand-written module over 400 lines.

The import graph is built with ast over functions/hub, without importing anything. `import a.b` and
`from a.b import c` in module m give the edge m -> a.b, or m -> a.b.c when that is a module; relative
imports are resolved. The parent packages Python imports on the way are not edges (each package's
__init__ would otherwise be in a cycle with its own submodules), and imports under `if TYPE_CHECKING:`
never run, so they are left out.

Two graphs are checked:
- module level: the imports that run when a module is imported. A cycle here breaks on import order.
- with lazy imports: the module-level ones plus those inside functions, which run on first call. A
  cycle that exists only here is the one a lazy import hides (GET /openapi.json had one: the ingest
  handler imported the exporter, which imported the handlers); it is reported separately.

Generated modules are exempt from the size limit: they say "GENERATED" and "do not edit" in their first
five lines (the header that CI hooks recognise).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "functions" / "hub"
SIZED = (PACKAGE, ROOT / "tools")  # hand-written code held to the limit; tests, bench and events are not
MAX_LINES = 400
GENERATED = {"functions/hub/core/validation/models.py"}

# Over the limit today; each entry goes when its split lands (a stale entry fails the test).
OVERSIZE_ALLOWED: set[str] = set()
# Import cycles that exist today; same rule. Each is a set of the modules in one cycle.
CYCLES_ALLOWED: set[frozenset[str]] = set()
LAZY_CYCLES_ALLOWED: set[frozenset[str]] = set()


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Dotted name -> file, for every module of the package."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" not in path.parts:
            parts = path.relative_to(package.parent).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return skip


def _module_level(tree: ast.Module) -> set[int]:
    """Nodes that run on import: everything outside function bodies (class bodies run on import)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            inside.update(id(n) for child in ast.iter_child_nodes(node) for n in ast.walk(child))
    return {id(n) for n in ast.walk(tree)} - inside


def import_graph(found: dict[str, Path]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(module-level edges, lazy edges) between the given modules."""
    eager: dict[str, set[str]] = {m: set() for m in found}
    lazy: dict[str, set[str]] = {m: set() for m in found}
    for name, path in found.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        skip, top = _type_checking_nodes(tree), _module_level(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if id(node) in skip or not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            targets: set[str] = set()
            if isinstance(node, ast.Import):
                targets = {a.name for a in node.names}
            else:
                base = package
                for _ in range(node.level - 1 if node.level else 0):
                    base = base.rpartition(".")[0]
                mod = (f"{base}.{node.module}" if node.module else base) if node.level else node.module
                targets = {f"{mod}.{a.name}" if f"{mod}.{a.name}" in found else mod for a in node.names}
            targets = {t for t in targets if t in found and t != name}
            (eager if id(node) in top else lazy)[name].update(targets)
    return eager, lazy


def cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.add(frozenset(component))
    return found


def _describe(found: set[frozenset[str]]) -> list[str]:
    return sorted(" <-> ".join(sorted(c)) for c in found)


@pytest.fixture(scope="module")
def graphs() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    return import_graph(modules())


def test_no_import_cycle_at_module_level(graphs):
    eager, _ = graphs
    assert _describe(cycles(eager) - CYCLES_ALLOWED) == []
    assert _describe(CYCLES_ALLOWED - cycles(eager)) == [], "fixed: remove from CYCLES_ALLOWED"


def test_no_import_cycle_hidden_by_a_lazy_import(graphs):
    eager, lazy = graphs
    both = {m: eager[m] | lazy[m] for m in eager}
    hidden = cycles(both) - cycles(eager)
    assert _describe(hidden - LAZY_CYCLES_ALLOWED) == []
    assert _describe(LAZY_CYCLES_ALLOWED - hidden) == [], "fixed: remove from LAZY_CYCLES_ALLOWED"


def _is_generated(path: Path) -> bool:
    head = "\n".join(path.read_text(encoding="utf-8").splitlines()[:5]).lower()
    return "generated" in head and "do not edit" in head


def _python_files() -> dict[str, Path]:
    return {p.relative_to(ROOT).as_posix(): p for root in SIZED for p in sorted(root.rglob("*.py"))
            if "__pycache__" not in p.parts}


def test_generated_modules_are_marked_and_only_those():
    assert {rel for rel, p in _python_files().items() if _is_generated(p)} == GENERATED


def test_no_hand_written_module_over_400_lines():
    sizes = {rel: len(p.read_text(encoding="utf-8").splitlines()) for rel, p in _python_files().items()
             if rel not in GENERATED}
    over = {rel for rel, n in sizes.items() if n > MAX_LINES}
    assert sorted(f"{rel}: {sizes[rel]} lines" for rel in over - OVERSIZE_ALLOWED) == []
    assert sorted(OVERSIZE_ALLOWED - over) == [], "split landed: remove from OVERSIZE_ALLOWED"


def test_generated_models_are_current():
    # regenerate with: make models
    import importlib.util

    spec = importlib.util.spec_from_file_location("codegen_models", ROOT / "tools" / "codegen_models.py")
    codegen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(codegen)
    assert (PACKAGE / "core" / "validation" / "models.py").read_text(encoding="utf-8") == codegen.generate()


def test_cycle_detection_finds_a_module_level_cycle_and_one_hidden_by_a_lazy_import(tmp_path):
    # the detector itself, on a package shaped like the old OpenAPI circle plus a module-level cycle
    pkg = tmp_path / "hub"
    files = {
        "__init__.py": "",
        "handlers/__init__.py": "",
        "handlers/ingest.py": "from hub.core import auth\n\ndef openapi():\n    from hub.openapi import document\n",
        "handlers/audit_api.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from hub import openapi\n",
        "openapi.py": "def document():\n    from hub.handlers import audit_api, ingest\n",
        "core/__init__.py": "from .auth import caller\n",
        "core/auth.py": "from . import messages\ncaller = None\n",
        "core/messages.py": "from hub.core.auth import caller\n",
    }
    for rel, text in files.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text(text)
    eager, lazy = import_graph(modules(pkg))
    assert eager["hub.core"] == {"hub.core.auth"} and eager["hub.handlers.audit_api"] == set()
    assert cycles(eager) == {frozenset({"hub.core.auth", "hub.core.messages"})}
    both = {m: eager[m] | lazy[m] for m in eager}
    assert cycles(both) - cycles(eager) == {frozenset({"hub.handlers.ingest", "hub.openapi"})}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == set()
