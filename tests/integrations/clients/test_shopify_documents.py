"""Every Shopify GraphQL document in the codebase is valid against Shopify's official schema.

The documents are found, not listed: every string constant in the apps that reads as a
GraphQL operation (`query …`, `mutation …`). They are validated with graphql-core against
the Admin schema of the version the catalogue pins (sandbox/schema/README.md: an upgrade
is the new schema file and that one setting).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from graphql import parse, validate

from integrations.catalogue import CATALOGUE
from sandbox.schema import admin_schema, versions

ROOT = Path(__file__).resolve().parents[3]
APPS = ("hotdash", "integrations", "monitoring", "approvals")
OPERATION = re.compile(r"\s*(query|mutation)\b\s*\w*\s*[({]")


def pinned_version() -> str:
    [shopify] = [entry for entry in CATALOGUE if entry["kind"] == "shopify"]
    return shopify["config"]["api_version"]


def documents() -> list[tuple[str, str]]:
    """(where, text) of every string constant in the apps that starts a GraphQL operation."""
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    if OPERATION.match(node.value):
                        found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.value))
    return found


def test_the_pinned_versions_schema_is_kept():
    assert pinned_version() in versions()


def test_the_documents_are_found():
    where = {place.split(":")[0] for place, _ in documents()}
    assert {
        "integrations/clients/shopify_queries.py",
        "integrations/clients/shopify_webhooks.py",
        "integrations/tiles/sales_pulse.py",
        "integrations/tiles/inventory_watch.py",
        "integrations/tiles/fulfillment_flow.py",
        "integrations/tiles/seo_pulse.py",
    } <= where


@pytest.mark.parametrize(("where", "text"), documents(), ids=[w for w, _ in documents()])
def test_document__is_valid_against_the_official_schema(where, text):
    errors = validate(admin_schema(pinned_version()), parse(text))
    assert [error.message for error in errors] == []
