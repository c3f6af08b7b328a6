"""The API contract: the generated OpenAPI schema validates and describes every operation.

openapi-spec-validator checks the schema (this is CI's schema validation); the rest is what a
reader of the contract needs from each operation: a summary and a description of its own,
one tag per resource, a meaningful operationId, and its refusals in the one error shape.
Swagger UI and Redoc are served from local static files.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db
ERROR_REF = "#/components/schemas/Error"


@pytest.fixture
def schema(client):
    return client.get("/api/schema/?format=json").json()


def _operations(schema):
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


def test_the_schema__validates(schema):
    validate(schema)


def test_every_operation__has_a_summary_and_a_description_of_its_own(schema):
    operations = _operations(schema)
    assert [f"{m} {p}" for m, p, op in operations if not op.get("summary")] == []
    assert [f"{m} {p}" for m, p, op in operations if not op.get("description")] == []
    descriptions = [op["description"] for _, _, op in operations]
    assert sorted({d for d in descriptions if descriptions.count(d) > 1}) == []


def test_every_operation__has_a_meaningful_unique_operation_id(schema):
    ids = [op["operationId"] for _, _, op in _operations(schema)]
    assert len(ids) == len(set(ids))
    assert [
        i for i in ids if not re.fullmatch(r"[a-z]+(_[a-z]+)*", i) or i.startswith("api_")
    ] == []


def test_every_operation__is_tagged_with_its_resource(schema):
    declared = [tag["name"] for tag in schema["tags"]]
    for _, path, op in _operations(schema):
        resource = path.removeprefix("/api/v1/").split("/")[0] or "root"
        assert op["tags"] == [resource]
    used = {op["tags"][0] for _, _, op in _operations(schema)}
    assert used == set(declared)


def test_every_operation__declares_its_refusals_in_the_one_error_shape(schema):
    for method, path, op in _operations(schema):
        statuses = {int(status) for status in op["responses"]}
        assert {401, 403, 406} <= statuses, f"{method} {path}"
        if "requestBody" in op:
            assert {400, 415} <= statuses, f"{method} {path}"
        if "{" in path:
            assert 404 in statuses, f"{method} {path}"
        for status, response in op["responses"].items():
            if int(status) >= 400 and op["operationId"] != "audit_verify":
                assert response["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}


def test_the_error_shape__is_code_detail_and_extras(schema):
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "detail"]
    assert error.get("additionalProperties", True) is not False


def test_the_checks_export__declares_its_filters(schema):
    names = {p["name"] for p in schema["paths"]["/api/v1/checks/export/"]["get"]["parameters"]}
    assert {"integration", "status", "error_class", "since", "until"} <= names


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_docs__are_served_without_a_cdn(client, url):
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    scripts = [s for s in re.findall(r'src="([^"]+)"', page) if not s.startswith(url)]
    assert scripts and all(src.startswith(settings.STATIC_URL) for src in scripts)
    assert "googleapis" not in page and "cdn" not in page.lower()
    for src in scripts:
        assert finders.find(src.removeprefix(settings.STATIC_URL)), src
