"""The layering rule of docs/architecture.md, read from every module's imports (`ast`).

An app imports only the apps below it: hotdash ► monitoring ► integrations ► approvals
(and monitoring ► approvals). Any app may import the leaf modules of `hotdash`, which
import no app. Imports inside functions count as much as those at the top.

The vendor sandbox is a component outside the apps: the product never needs it.
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


# Any app may import these; they import no app (docs/architecture.md, "leaf modules").
LEAF_MODULES = {
    "hotdash.errors",
    "hotdash.rest",
    "hotdash.progress",
    "hotdash.knobs",
    "hotdash.adminkit",
    "hotdash.proxies",
    "hotdash.parsers",
    "hotdash.negotiation",
    "hotdash.openapi",
    "hotdash.strict",
}
# The apps each app may import, besides itself and the leaf modules.
MAY_IMPORT = {
    "approvals": set(),
    "integrations": {"approvals"},
    "monitoring": {"integrations", "approvals"},
    "hotdash": {"monitoring", "integrations", "approvals"},
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


def _modules_imported(path: Path) -> set[str]:
    """Dotted names of every absolute import in `path`, at any depth
    (`from a.b import c` gives `a.b.c`: `c` may be a module or a name in `a.b`)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _crossings(app: str, path: Path) -> list[str]:
    """The imports in `path` (a module of `app`) of an app it may not import."""
    allowed = {app, *MAY_IMPORT[app]}
    if path.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".") in LEAF_MODULES:
        allowed = set()  # a leaf module imports no app, only other leaf modules
    bad = []
    for name in sorted(_modules_imported(path)):
        top = name.split(".")[0]
        if top not in APPS or top in allowed:
            continue
        if name in LEAF_MODULES or name.rsplit(".", 1)[0] in LEAF_MODULES:
            continue
        bad.append(name)
    return bad


def _app_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            yield str(path.relative_to(ROOT)), path


def test_each_app_imports_only_the_apps_below_it_and_hotdashs_leaf_modules():
    offenders = {
        name: crossings
        for name, path in _app_modules()
        if (crossings := _crossings(name.split("/")[0], path))
    }
    assert offenders == {}


def test_the_leaf_modules_exist():
    """A renamed leaf module must be renamed here and in docs/architecture.md too."""
    missing = [m for m in LEAF_MODULES if not (ROOT / f"{m.replace('.', '/')}.py").exists()]
    assert missing == []


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
