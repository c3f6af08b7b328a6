"""The schema's examples are real answers, recorded from the API and checked against it.

`HOTDASH_RECORD_EXAMPLES=1` (re)writes hotdash/openapi_examples.json from the calls of
tests/hotdash/openapi_calls.py on its small seeded world: per operation, the happy path's
request body and answer, and the first refusal seen for each declared error status (lists
cut to their first item). Without it, every recorded example must still have the shape the
API answers now (the same keys, the same JSON types where both are set) and validate against
the schema of its status, so an example cannot drift from the API silently.
"""

from __future__ import annotations

import json
import os

import pytest
from openapi_schema_validator import OAS30ReadValidator, validate

from hotdash.openapi import EXAMPLES_FILE
from tests.hotdash.openapi_calls import exercise, personas_for, world

pytestmark = pytest.mark.django_db
RECORD = os.environ.get("HOTDASH_RECORD_EXAMPLES") == "1"


def _trim(value):
    if isinstance(value, list):
        return [_trim(item) for item in value[:1]]
    if isinstance(value, dict):
        return {key: _trim(item) for key, item in value.items()}
    return value


def _examples(schema: dict, answers) -> dict:
    declared = {
        op["operationId"]: set(op["responses"])
        for item in schema["paths"].values()
        for op in item.values()
    }
    found: dict[str, dict] = {}
    for a in answers:
        status = str(a.status)
        if a.body is None or status not in declared.get(a.operation, ()):
            continue
        entry = found.setdefault(a.operation, {"responses": {}})
        if a.case == "happy" and a.request is not None and a.status < 300:
            entry["request"] = a.request
        entry["responses"].setdefault(status, _trim(a.body))
    return found


def _kind(value) -> str:
    return (
        "number"
        if isinstance(value, int | float) and not isinstance(value, bool)
        else (type(value).__name__)
    )


def _drift(recorded, observed, where: str = "$") -> list[str]:
    if recorded is None or observed is None:
        return []
    if _kind(recorded) != _kind(observed):
        return [f"{where}: recorded {_kind(recorded)}, answered {_kind(observed)}"]
    if isinstance(recorded, dict):
        if set(recorded) != set(observed):
            return [f"{where}: keys {sorted(set(recorded) ^ set(observed))} differ"]
        return [d for k in recorded for d in _drift(recorded[k], observed[k], f"{where}.{k}")]
    if isinstance(recorded, list) and recorded and observed:
        return _drift(recorded[0], observed[0], f"{where}[0]")
    return []


@pytest.fixture
def live(client, viewer, operator, approver, other_approver, sandbox, settings, monkeypatch):
    personas = personas_for(viewer, operator, approver, other_approver)
    ids = world(personas, sandbox.url, settings)
    schema = client.get("/api/schema/?format=json").json()
    return schema, _examples(schema, exercise(schema, personas, ids, monkeypatch))


def test_recorded_examples__have_the_shape_the_api_answers_now(live):
    schema, observed = live
    if RECORD:
        EXAMPLES_FILE.write_text(json.dumps(observed, indent=1, sort_keys=True) + "\n")
    recorded = json.loads(EXAMPLES_FILE.read_text())
    drift = [
        f"{op} {status}: {difference}"
        for op, entry in recorded.items()
        for status, example in entry["responses"].items()
        for difference in _drift(example, observed.get(op, {}).get("responses", {}).get(status))
    ]
    missing = sorted(
        f"{op} {status}"
        for op, entry in observed.items()
        for status in entry["responses"]
        if status not in recorded.get(op, {}).get("responses", {})
    )
    assert (drift, missing) == ([], []), "HOTDASH_RECORD_EXAMPLES=1 records them again"


def test_every_example_in_the_schema__validates_against_its_schema(live):
    schema, _ = live
    invalid, counted = [], 0
    for item in schema["paths"].values():
        for op in item.values():
            for status, response in op["responses"].items():
                media = response.get("content", {}).get("application/json", {})
                if "example" not in media:
                    continue
                counted += 1
                try:
                    validate(
                        media["example"],
                        {**media["schema"], "components": schema["components"]},
                        cls=OAS30ReadValidator,
                    )
                except Exception as error:  # noqa: BLE001 (a report, not a crash)
                    invalid.append(f"{op['operationId']} {status}: {str(error)[:300]}")
    assert counted > 100 and invalid == []


def test_every_operation__has_an_example_of_its_success(live):
    schema, _ = live
    lacking = [
        op["operationId"]
        for item in schema["paths"].values()
        for op in item.values()
        for status, response in op["responses"].items()
        if status.startswith("2")
        and "application/json" in response.get("content", {})
        and "example" not in response["content"]["application/json"]
    ]
    assert lacking == []
