"""The house's walls, read from the source with `ast` (scripts/house_metrics.py builds the
import graph; these tests hold engage/ to it).

- Each area package owns its blueprint; a view module never imports another view module.
- No `_private` name is imported from another module: what an area shares is public.
- Domain modules (an area's modules other than its views, forms and pages) do not read
  `flask.request` or `flask.session`: the view passes them what they need.
- The import graph of engage/ has no cycles.
- No module is over 650 lines, demo data apart.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("house_metrics", ROOT / "scripts/house_metrics.py")
house = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(house)

MODULES = house.modules()
AREAS = {path.parent.name for path in (ROOT / "engage").glob("*/__init__.py")}
MAX_LINES = 650

# Web-layer modules inside an area that are not views, forms or pages by name, each with why.
WEB_LAYER = {
    "engage.auth.permissions",  # the `requires` decorator and `deny`: they answer the request
    "engage.auth.second_factor",  # the pending sign-in lives in the session by design
    "engage.public.abuse",  # the public-form limiter keys on the request
}


def has_routes(tree: ast.Module) -> bool:
    return any(house.is_view(node) for node in ast.walk(tree))


def is_view_module(name: str) -> bool:
    """A module with routes, or named as views (views.py, *_views.py)."""
    leaf = name.rsplit(".", 1)[-1]
    return leaf == "views" or leaf.endswith("_views") or has_routes(MODULES[name][1])


def is_domain_module(name: str) -> bool:
    parts = name.split(".")
    if len(parts) < 3 or parts[1] not in AREAS or name in WEB_LAYER:
        return False
    leaf = parts[-1]
    return not (
        is_view_module(name)
        or leaf in {"forms", "pages", "cli", "demo"}
        or leaf.endswith(("_forms", "_demo"))
    )


def imports(name: str):
    return house.imported(name, MODULES[name][1], MODULES)


def test_each_area_package_owns_its_blueprint():
    """Its __init__ defines `bp`; each of its view modules takes `bp` from there."""
    found = []
    for name, (path, tree) in MODULES.items():
        parts = name.split(".")
        if len(parts) < 3 or parts[1] not in AREAS or not is_view_module(name):
            continue
        area = ".".join(parts[:2])
        takes_bp = any(
            isinstance(node, ast.ImportFrom)
            and node.module == area
            and any(alias.name == "bp" for alias in node.names)
            for node in ast.walk(tree)
        )
        if not takes_bp:
            found.append(str(path.relative_to(ROOT)))
    assert found == []


def test_no_view_module_imports_another():
    found = [
        f"{MODULES[name][0].relative_to(ROOT)}:{line} imports {target}"
        for name in MODULES
        if is_view_module(name)
        for target, _, line in imports(name)
        if target != name and is_view_module(target)
    ]
    assert found == []


def test_no_private_name_is_imported_across_modules():
    found = house.measure(MODULES)["private names imported across modules"]
    assert found == []


def test_domain_modules_do_not_read_the_request_or_session():
    found = []
    for name, (path, tree) in MODULES.items():
        if not is_domain_module(name):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "flask":
                bad = {a.name for a in node.names} & {"request", "session"}
                if bad:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {sorted(bad)}")
            if (
                isinstance(node, ast.Attribute)
                and node.attr in {"request", "session"}
                and isinstance(node.value, ast.Name)
                and node.value.id == "flask"
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} flask.{node.attr}")
    assert found == []


def test_the_import_graph_has_no_cycles():
    assert house.cycles(house.graph(MODULES), MODULES) == []


def test_no_module_is_over_650_lines_outside_demo_data():
    found = [
        f"{path.relative_to(ROOT)} {n}"
        for name, (path, _) in MODULES.items()
        if "demo" not in path.name and (n := len(path.read_text().splitlines())) > MAX_LINES
    ]
    assert found == []
