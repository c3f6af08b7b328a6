"""The vendor sandbox is a component outside the apps: the product never needs it.

No module of the apps imports `sandbox`, except the few interfaces that start or
control it, and those import it inside a function, so a deployment that leaves
the package out still starts. The sandbox, for its part, imports no Django and
no app.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("hotdash", "integrations", "monitoring", "approvals")
# Interfaces to the sandbox itself; each imports it lazily and copes with its absence.
SANDBOX_INTERFACES = {
    "hotdash/console/views/sandbox.py",
    "integrations/management/commands/sandbox.py",
    "integrations/management/commands/sandbox_fault.py",
}


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(top-level package, imported at module level?) for every absolute import in `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in tree.body:
        found += [(name, True) for name in _names(node)]
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found += [(name, False) for inner in ast.walk(node) for name in _names(inner)]
    return found


def _names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name.split(".")[0] for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        return [node.module.split(".")[0]]
    return []


def _app_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            yield str(path.relative_to(ROOT)), path


def test_no_app_module_imports_the_sandbox():
    offenders = [
        name
        for name, path in _app_modules()
        if name not in SANDBOX_INTERFACES and any(pkg == "sandbox" for pkg, _ in _imports(path))
    ]
    assert offenders == []


def test_the_sandboxs_interfaces_import_it_only_when_they_run():
    eager = [
        name for name in sorted(SANDBOX_INTERFACES) if ("sandbox", True) in _imports(ROOT / name)
    ]
    assert eager == []
    assert all(("sandbox", False) in _imports(ROOT / name) for name in SANDBOX_INTERFACES)


def test_the_sandbox_imports_no_django_and_no_app():
    forbidden = {"django", "rest_framework", *APPS}
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "sandbox").rglob("*.py"))
        if {pkg for pkg, _ in _imports(path)} & forbidden
    ]
    assert offenders == []
