"""Schemathesis fuzzes every operation in the generated OpenAPI schema: no input gives a 500.

A small budget per operation keeps the suite fast; raise HOTDASH_FUZZ_EXAMPLES to dig deeper.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from hotdash.models import ApiToken
from hotdash.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
EXAMPLES = int(os.environ.get("HOTDASH_FUZZ_EXAMPLES", "8"))


@pytest.fixture
def operator_token(operator, sandbox, settings):
    # Endpoints that read a vendor (the idea pool in Supabase) talk to the vendor sandbox:
    # with no vendor at all they rightly answer 503 `vendor_unavailable`.
    settings.SANDBOX_URL = sandbox.url
    call_command("seed")
    token = ApiToken(user=operator, name="fuzz")
    key = token.issue()
    token.save()
    return key


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db(transaction=True)  # requests close connections, as in production
def test_api__fuzzed_inputs__never_a_server_error(case, operator_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {operator_token}"}, checks=[not_a_server_error]
    )
