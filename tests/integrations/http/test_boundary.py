"""Nothing outside integrations/http/ may call an HTTP client library directly."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
APPS = ("hotdash", "integrations", "monitoring", "approvals")
ALLOWED = ROOT / "integrations" / "http"
CLIENT_LIBRARIES = {"requests", "urllib3", "httpx", "aiohttp"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_gateway_imports_http_client_libraries():
    offenders = [
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if ALLOWED not in path.parents and _imports(path) & CLIENT_LIBRARIES
    ]
    assert offenders == []
