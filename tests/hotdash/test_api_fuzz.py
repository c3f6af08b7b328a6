"""Schemathesis fuzzes every operation of the generated OpenAPI schema with **all** its
checks: no 500, every status and body as the schema declares it, invalid input refused,
valid input accepted, unsupported methods answered 405.

A small budget per operation keeps the suite fast (HOTDASH_FUZZ_EXAMPLES, default 8;
raise it to dig deeper). The run's seed is printed in the test header and in every
failure; HOTDASH_FUZZ_SEED=<seed> replays the same inputs.
"""

from __future__ import annotations

import os
import random

import pytest
import schemathesis
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from hotdash.models import ApiToken
from hotdash.rest import MutationRateThrottle

EXAMPLES = int(os.environ.get("HOTDASH_FUZZ_EXAMPLES", "8"))
SEED = int(os.environ.get("HOTDASH_FUZZ_SEED") or random.SystemRandom().getrandbits(32))

# Django's WSGI handler, not hotdash.wsgi: that module also publishes the web's identity to
# the database on import, which pytest-django refuses outside a test.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
schema.config.seed = SEED
# A page cursor is signed: any other value is rightly a 400 `invalid_cursor`, so the fuzzer
# asks for first pages (tampered cursors: tests/monitoring/api, tests/approvals).
schema.config.parameters["query.cursor"] = ""


@pytest.fixture(scope="module")
def seed_printed(pytestconfig):
    """The run's seed, once, on the terminal (past pytest's capture, -q included)."""
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.ensure_newline()
            reporter.write_line(
                f"schemathesis: HOTDASH_FUZZ_SEED={SEED} HOTDASH_FUZZ_EXAMPLES={EXAMPLES}"
            )


@pytest.fixture
def operator_token(operator, sandbox, settings, monkeypatch):
    # Endpoints that read a vendor (the idea pool in Supabase) talk to the vendor sandbox:
    # with no vendor at all they rightly answer 503 `vendor_unavailable`.
    settings.SANDBOX_URL = sandbox.url
    # The throttle's 429 is declared, but a fuzzer hammering one operation would spend its
    # budget on it: the limit is tested on its own (tests/hotdash/test_ratelimit_headers.py).
    monkeypatch.setattr(MutationRateThrottle, "THROTTLE_RATES", {"mutations": "100000/min"})
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
def test_api__fuzzed_inputs__conform_to_the_schema(case, operator_token, seed_printed):
    # `params` must match the schema of the action named in `action`, which the registry
    # holds (one JSON Schema per action; tests/approvals): a body valid for the request's
    # schema alone may rightly be a 400, so positive data is not judged there.
    creates_request = (case.method, case.operation.path) == ("POST", "/api/v1/approvals/")
    excluded = [positive_data_acceptance] if creates_request else []
    try:
        case.call_and_validate(
            headers={"Authorization": f"Token {operator_token}"}, excluded_checks=excluded
        )
    except Exception as failure:
        failure.add_note(f"Replay with HOTDASH_FUZZ_SEED={SEED} HOTDASH_FUZZ_EXAMPLES={EXAMPLES}")
        raise
