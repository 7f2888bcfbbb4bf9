"""The benchmark scripts in bench/ are the operator's evidence for the speed targets; a name they
import from engage that no longer exists (a rename in the house) must fail here, not hide as a
lazy ImportError in the middle of a 100,000-case run."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


def engage_imports() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(BENCH.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("engage"):
                found += [(path.name, node.module or "", alias.name) for alias in node.names]
    return found


def test_the_benchmarks_import_engage_names_that_exist():
    imports = engage_imports()
    assert len(imports) > 20  # the scripts do import from engage, lazily inside functions too
    missing = []
    for script, module, name in imports:
        try:
            target = importlib.import_module(module)
        except ImportError as error:
            missing.append(f"{script}: {module} ({error})")
            continue
        if not hasattr(target, name):
            try:
                importlib.import_module(f"{module}.{name}")
            except ImportError:
                missing.append(f"{script}: {module}.{name}")
    assert missing == []
