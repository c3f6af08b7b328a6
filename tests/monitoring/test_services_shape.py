"""monitoring/services/ is where monitoring's rows about people's work are written, read
from the AST of every module.

The rules, and what they leave out on purpose:

1. Outside `monitoring/services/` (and `migrations/`), no module of monitoring calls a write
   (`create`, `get_or_create`, `update_or_create`, `bulk_create`, `bulk_update`, `update`,
   `delete`, `save`) on a chain that starts at one of the GUARDED models
   (`Incident.objects.filter(…).update(…)`): incidents, their timeline, notifications,
   findings, maintenance windows and channels change only through a service.
2. Outside `monitoring/services/`, no module saves, deletes or creates through a name
   (`incident.save()`, `incident.events.create(…)`, `rows.delete()`): the AST cannot tell an
   instance's model, so every such call is refused except in BOOKKEEPING, where each module
   says which row it keeps and why. `update` and `add` through a name are not checked
   (dicts and sets have them too), nor is a write reached through a function's return value.
3. The operator console (`hotdash/console/`) writes nothing itself: no write on any model's
   chain and none through a name. Its buttons call the apps' services.

Rows that are machinery, not people's work, are written where they are produced and are
not GUARDED: probe history and state (`engine.py`: CheckResult, StateTransition and the
IntegrationState columns the probe decides), rollups and list summaries (`rollups.py`,
`summaries.py`), the probe loop's slots (`leases.py`: Lease), hourly business counts
(`slo/flows.py`: FlowCount). The Django admin's edit pages for channels and maintenance
windows save through `ModelAdmin.save_model` (`admin.py`), which these rules do not see.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "monitoring"
SERVICES = MONITORING / "services"
CONSOLE = ROOT / "hotdash" / "console"
GUARDED = {"Incident", "IncidentEvent", "Notification", "Finding", "MaintenanceWindow", "Channel"}
WRITES = {
    "create",
    "get_or_create",
    "update_or_create",
    "bulk_create",
    "bulk_update",
    "update",
    "delete",
    "save",
}
WRITES_THROUGH_A_NAME = WRITES - {"update"}
# module -> the row it keeps itself, and why that is not a service's business.
BOOKKEEPING = {
    "monitoring/slo/signals/tools.py": (
        "SignalState: the MCP tool list seen last, the signal's own memory between runs"
    ),
}


def _root(node: ast.AST) -> ast.AST:
    """The start of a call chain: `Incident` in `Incident.objects.filter(x).update(y)`."""
    while isinstance(node, ast.Call | ast.Attribute | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


def writes(source: str) -> list[tuple[int, str, str]]:
    """(line, root name, method) of each call of a write method in `source`; the root is
    '' when the chain starts at something other than a name (`super()`, a literal)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in WRITES:
                root = _root(node.func.value)
                name = root.id if isinstance(root, ast.Name) else ""
                if name == "super" or not name:
                    continue
                found.append((node.lineno, name, node.func.attr))
    return found


def _is_model(name: str) -> bool:
    return name[:1].isupper()


def violations(source: str, *, guarded: set[str] | None) -> list[str]:
    """The writes `source` may not make: on a chain of a `guarded` model (None: any model)
    or through a name."""
    bad = []
    for line, name, method in writes(source):
        if _is_model(name):
            if guarded is None or name in guarded:
                bad.append(f"{line}: {name}….{method}(")
        elif method in WRITES_THROUGH_A_NAME:
            bad.append(f"{line}: {name}….{method}(")
    return bad


def _modules(folder: Path):
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "migrations" not in parts:
            yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def test_monitoring__writes_people_act_on__only_in_services():
    found = {
        name: bad
        for name, source in _modules(MONITORING)
        if not name.startswith("monitoring/services/")
        and name not in BOOKKEEPING
        and (bad := violations(source, guarded=GUARDED))
    }

    assert found == {}


def test_bookkeeping_modules__still_write_and_only_their_own_rows():
    """An exception that is no longer needed leaves BOOKKEEPING."""
    for name in BOOKKEEPING:
        source = (ROOT / name).read_text(encoding="utf-8")
        assert writes(source), f"{name} writes nothing now: drop it from BOOKKEEPING"
        assert not [w for w in writes(source) if w[1] in GUARDED]


def test_console__writes_nothing_itself():
    found = {
        name: bad for name, source in _modules(CONSOLE) if (bad := violations(source, guarded=None))
    }

    assert found == {}


def test_rules__catch_what_they_claim():
    """The scanner itself: each kind of write it must refuse, and what it lets through."""
    source = """
Incident.objects.filter(pk=1).update(status="resolved")
Notification.objects.create(event="x")
incident.save(update_fields=["title"])
incident.events.create(kind="note")
rows.delete()
CheckResult.objects.bulk_create([])
super().save_model(request, obj, form, change)
summary.update({"a": 1})
"""
    assert violations(source, guarded=GUARDED) == [
        "2: Incident….update(",
        "3: Notification….create(",
        "4: incident….save(",
        "5: incident….create(",
        "6: rows….delete(",
    ]
    assert "7: CheckResult….bulk_create(" in violations(source, guarded=None)


def test_services_package__lists_each_of_its_modules():
    listed = ast.get_docstring(ast.parse((SERVICES / "__init__.py").read_text(encoding="utf-8")))
    modules = {p.name for p in SERVICES.glob("*.py")} - {"__init__.py"}

    assert {m for m in modules if m not in listed} == set()
