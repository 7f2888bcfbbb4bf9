"""The house numbers of issue 15, measured with `ast` (no imports of the app).

    .venv/bin/python scripts/house_metrics.py            # summary
    .venv/bin/python scripts/house_metrics.py --detail   # and the lists behind each number

Import graph: one node per module in engage/, an edge for every `import` / `from ... import`
naming another engage module (module level and inside functions alike). An import of a
module's own ancestor package (`from engage.cases import bp` inside engage/cases/views/case.py)
is not an edge: Python has always finished, or is part of, that import before the child starts,
so it cannot order anything. Cycles are counted as strongly connected components of more than
one module (plus self-loops), as the review of November 2026 counted them.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "engage"
VIEW_DECORATORS = {"route", "get", "post"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, tuple[Path, ast.Module]]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        found[module_name(path)] = (path, ast.parse(path.read_text(), str(path)))
    return found


def is_package(name: str, mods: dict) -> bool:
    return mods[name][0].name == "__init__.py"


def resolve(importer: str, node: ast.ImportFrom, mods: dict) -> str | None:
    if node.level:
        base = importer.split(".")
        if not is_package(importer, mods):
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))
    return node.module


def imported(importer: str, tree: ast.Module, mods: dict):
    """(target module, name or None, lineno) for every engage import in `tree`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("engage"):
                    yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            source = resolve(importer, node, mods)
            if not source or not source.startswith("engage"):
                continue
            for alias in node.names:
                child = f"{source}.{alias.name}"
                if child in mods:
                    yield child, None, node.lineno
                else:
                    yield source, alias.name, node.lineno


def graph(mods: dict) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for name, (_, tree) in mods.items():
        for target, _, _ in imported(name, tree, mods):
            if target not in mods or target == name:
                continue
            if name.startswith(target + "."):
                continue  # an ancestor package: already imported before this module runs
            edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]], nodes) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one node."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
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
                out.append(sorted(component))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def is_view(fn: ast.AST) -> bool:
    for dec in getattr(fn, "decorator_list", []):
        target = dec.func if isinstance(dec, ast.Call) else dec
        if isinstance(target, ast.Attribute) and target.attr in VIEW_DECORATORS:
            return True
    return False


def length(fn: ast.AST) -> int:
    start = min([fn.lineno] + [d.lineno for d in fn.decorator_list])
    return fn.end_lineno - start + 1


def private_uses(tree: ast.Module, mods: dict) -> list[tuple[int, str]]:
    """`module._name` where `module` is another engage module imported whole (the same leak as
    importing `_name` from it)."""
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("engage"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if full in mods:
                    bound[alias.asname or alias.name] = full
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name in mods:
                    bound[alias.asname] = alias.name
    return [
        (node.lineno, f"{node.attr} of {bound[node.value.id]}")
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in bound
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
    ]


def measure(mods: dict) -> dict[str, list]:
    big_modules, long_functions, long_views, private_imports = [], [], [], []
    for name, (path, tree) in mods.items():
        rel = path.relative_to(ROOT)
        lines = len(path.read_text().splitlines())
        if lines > 400:
            big_modules.append(f"{rel} {lines}")
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = length(node)
                if n > 50:
                    long_functions.append(f"{rel}:{node.lineno} {node.name} {n}")
                if is_view(node) and n > 30:
                    long_views.append(f"{rel}:{node.lineno} {node.name} {n}")
        for target, imported_name, lineno in imported(name, tree, mods):
            leaf = imported_name or target.rsplit(".", 1)[-1]
            if leaf.startswith("_") and not leaf.startswith("__") and target != name:
                private_imports.append(f"{rel}:{lineno} {leaf} from {target}")
        private_imports += [f"{rel}:{line} {used}" for line, used in private_uses(tree, mods)]
    edges = graph(mods)
    return {
        "import cycles": [" <-> ".join(c) for c in cycles(edges, mods)],
        "modules over 400 lines": big_modules,
        "functions over 50 lines": long_functions,
        "views over 30 lines": long_views,
        "private names imported across modules": private_imports,
    }


def main() -> None:
    mods = modules()
    results = measure(mods)
    total = sum(len(p.read_text().splitlines()) for p, _ in mods.values())
    print(f"modules in engage/: {len(mods)}, lines: {total}")
    for label, items in results.items():
        print(f"{label}: {len(items)}")
        if "--detail" in sys.argv:
            for item in items:
                print(f"    {item}")


if __name__ == "__main__":
    main()
