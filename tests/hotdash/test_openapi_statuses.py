"""Bad input: every status the API can answer for an operation is one its schema declares.

Each operation is called as meant and with the hostile cases of tests/hotdash/openapi_calls.py
(no credentials, no role, a viewer, an unknown id, a malformed body, another media type,
unknown and bad query parameters, an Accept no renderer gives, a throttled change). Every
answer's status must be declared for that operation, every refusal has the shared error
shape, and a method a path does not have is a 405 in that shape.
"""

from __future__ import annotations

import pytest

from tests.hotdash.openapi_calls import exercise, personas_for, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def answers(client, viewer, operator, approver, other_approver, sandbox, settings, monkeypatch):
    personas = personas_for(viewer, operator, approver, other_approver)
    ids = world(personas, sandbox.url, settings)
    schema = client.get("/api/schema/?format=json").json()
    return schema, exercise(schema, personas, ids, monkeypatch)


def _declared(schema: dict) -> dict[str, set[int]]:
    return {
        operation["operationId"]: {int(status) for status in operation["responses"]}
        for item in schema["paths"].values()
        for operation in item.values()
    }


def test_every_answered_status__is_declared_for_its_operation(answers):
    schema, answered = answers
    declared = _declared(schema)
    undeclared = sorted(
        f"{a.operation} {a.case}: {a.status} {a.body}"
        for a in answered
        if a.case != "wrong_method" and a.status not in declared[a.operation]
    )
    assert undeclared == []


def test_every_refusal__has_the_shared_error_shape(answers):
    _, answered = answers
    shapeless = [
        f"{a.operation} {a.case}: {a.status} {a.body}"
        for a in answered
        if a.status >= 400
        and a.operation != "audit_verify"  # its 409 is the verification report
        and not (
            isinstance(a.body, dict)
            and isinstance(a.body.get("code"), str)
            and isinstance(a.body.get("detail"), str)
        )
    ]
    assert shapeless == []


def test_a_method_the_path_does_not_have__is_405(answers):
    _, answered = answers
    wrong = [a for a in answered if a.case == "wrong_method"]
    assert wrong and {a.status for a in wrong} == {405}


def test_the_hostile_cases__are_refused_as_documented(answers):
    """Spot checks that the cases really are hostile (not a 200 by accident)."""
    _, answered = answers
    by_case = {}
    for a in answered:
        by_case.setdefault(a.case, set()).add(a.status)
    assert by_case["anonymous"] == {401}
    assert by_case["no_role"] == {403}
    assert by_case["not_acceptable"] == by_case["bad_format"] == {406}
    assert by_case["malformed"] == {400} and by_case["media_type"] == {415}
    assert 429 in by_case["throttled"]
    assert by_case["unknown_id"] <= {403, 404}  # 403: an operator deciding
