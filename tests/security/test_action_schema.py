"""Action parameters against a hostile requester: JSON Schema by jsonschema (Draft 2020-12).

Issue 14 item 11: the hand-written validator rejected `42.0` as an integer and took
`True` for an enum of `1`. Each case below goes through the registered actions' own
schemas (flags.set, chatwoot.send_reply, integrations.switch_live, publer.publish_post)
where they make it meaningful, and through the API where the JSON parser is part of it.
Every refusal is a 400 `invalid` (or `parse_error`) and stores nothing.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from approvals import registry
from approvals.models import ApprovalRequest, FeatureFlag
from approvals.payload import payload_hash
from approvals.schema import schema_check, validate
from approvals.services import approval_request_create
from hotdash.errors import ValidationFailed

pytestmark = pytest.mark.django_db

CREATE = "/api/v1/approvals/"
REPLY = {"conversation_id": 7, "content": "Your order ships today."}


def field_errors(action: str, params) -> dict:
    """The field errors of params for a registered action ({} when they are valid)."""
    try:
        registry.params_validate(registry.get(action), params)
    except ValidationFailed as error:
        assert error.code == "invalid"
        return error.extra["errors"]
    return {}


def post_raw(user, body: str):
    client = APIClient()
    client.force_authenticate(user)
    return client.post(CREATE, data=body, content_type="application/json")


@pytest.fixture
def flag(db):
    return FeatureFlag.objects.create(key="tiles.new_layout", kind="release", rollout_percent=10)


def test_integer__42_0__is_an_integer_and_reaches_the_action_as_an_int(operator, flag):
    # Given a release flag, when an operator asks for rollout 42.0 (JSON does not tell it
    # from 42)
    request = approval_request_create(
        action="flags.set", params={"key": flag.key, "rollout_percent": 42.0}, requested_by=operator
    )
    # Then the stored params hold the int 42, hashed as if 42 had been sent
    stored = ApprovalRequest.objects.get(pk=request.pk).params["rollout_percent"]
    assert (stored, type(stored)) == (42, int)
    assert request.payload_hash == payload_hash(
        action="flags.set",
        target=request.target,
        params={"key": flag.key, "rollout_percent": 42},
        precondition=request.precondition,
    )


def test_integer__42_5__is_refused():
    assert field_errors("flags.set", {"key": "k", "rollout_percent": 42.5}) == {
        "rollout_percent": ["must be of type integer"]
    }


def test_integer__true__is_not_1():
    assert field_errors("chatwoot.send_reply", {**REPLY, "conversation_id": True}) == {
        "conversation_id": ["must be of type integer"]
    }


def test_enum__true__is_not_1():
    # No registered action has a numeric enum yet; the old validator let True through this.
    assert validate({"enum": [1]}, True) == {"": ["must be one of [1]"]}
    assert validate({"enum": [1]}, 1) == {}


def test_boolean__1_and_the_string_true__are_not_true():
    assert field_errors("flags.set", {"key": "k", "enabled": 1}) == {
        "enabled": ["must be of type boolean"]
    }
    assert field_errors("chatwoot.send_reply", {**REPLY, "private": "true"}) == {
        "private": ["must be of type boolean"]
    }


def test_nan__as_a_python_float__is_refused():
    assert field_errors("flags.set", {"key": "k", "rollout_percent": float("nan")}) == {
        "rollout_percent": ["must be a finite number"]
    }


def test_nan__in_the_json_body__is_a_400_parse_error(operator, flag):
    body = '{"action": "flags.set", "params": {"key": "tiles.new_layout", "rollout_percent": NaN}}'
    response = post_raw(operator, body)
    assert (response.status_code, response.json()["code"]) == (400, "parse_error")
    assert not ApprovalRequest.objects.exists()


def test_1e999__parsed_as_infinity__is_refused(operator, flag):
    body = (
        '{"action": "flags.set", "params": {"key": "tiles.new_layout", "rollout_percent": 1e999}}'
    )
    response = post_raw(operator, body)
    assert response.status_code == 400
    assert response.json()["errors"] == {"rollout_percent": ["must be a finite number"]}
    assert not ApprovalRequest.objects.exists()


def test_deep_nesting__within_the_parser__is_refused_before_the_schema():
    deep = []
    for _ in range(500):
        deep = [deep]
    errors = field_errors("flags.set", {"key": "k", "extra": deep})
    assert list(errors.values()) == [["must not be nested more than 32 levels deep"]]


def test_deep_nesting__beyond_the_parser__is_a_400_not_a_500(operator):
    body = '{"action": "flags.set", "params": {"key": "k", "x": ' + "[" * 5000 + "]" * 5000 + "}}"
    response = post_raw(operator, body)
    assert (response.status_code, response.json()["code"]) == (400, "parse_error")


def test_oversized_string__under_a_pattern_with_no_length_bound__is_refused():
    # publer.publish_post's scheduled_at pattern ends in `.*[Z+-]`: any length matches it.
    params = {
        "network": "instagram",
        "text": "hello",
        "account_ids": ["a1"],
        "scheduled_at": "2026-12-24T09:00" + "x" * 1_000_000 + "Z",
    }
    assert field_errors("publer.publish_post", params) == {
        "scheduled_at": ["must have at most 10000 characters"]
    }


def test_oversized_string__over_the_schema_maximum__is_refused():
    assert field_errors("chatwoot.send_reply", {**REPLY, "content": "x" * 5001}) == {
        "content": ["must have at most 5000 characters"]
    }


def test_unknown_property__is_refused():
    assert field_errors("flags.set", {"key": "k", "enabled": True, "owner": "me"}) == {
        "owner": ["is not allowed"]
    }


def test_unknown_property__with_a_huge_name__is_refused_without_echoing_it():
    errors = field_errors("flags.set", {"key": "k", "n" * 100_000: 1})
    assert errors == {"": ["property names must be at most 200 storable characters"]}


def test_nul_character__which_postgresql_jsonb_cannot_store__is_refused():
    assert field_errors("chatwoot.send_reply", {**REPLY, "content": "hi\x00there"}) == {
        "content": ["must not contain NUL characters"]
    }


def test_lone_surrogate__which_utf8_cannot_encode__is_refused(operator):
    body = (
        '{"action": "chatwoot.send_reply", "params": {"conversation_id": 7, "content": "\\ud800"}}'
    )
    response = post_raw(operator, body)
    assert response.status_code == 400
    assert response.json()["errors"] == {"content": ["must not contain lone surrogates"]}


def test_pattern__trailing_newline__does_not_satisfy_a_trailing_dollar():
    # Python's `$` also matches before a final newline; JSON Schema's (ECMA-262) does not.
    assert field_errors("integrations.switch_live", {"slug": "shopify\n"}) == {
        "slug": ["must match ^[-a-zA-Z0-9_]{1,80}$"]
    }
    assert field_errors("integrations.switch_live", {"slug": "shopify"}) == {}


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"n": {"type": "integer", "maximun": 5}}},  # a typo
        {"type": "string", "format": "no-such-format"},  # no checker: it would pass anything
        {"type": "string", "pattern": "("},  # not a regular expression
        {"type": "strin"},
    ],
)
def test_registration__a_schema_that_would_not_check_what_it_says__is_refused(schema):
    with pytest.raises(ValueError):
        schema_check(schema)
