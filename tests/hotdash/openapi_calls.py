"""Every operation of the OpenAPI schema called for real, as meant and with hostile input.

`exercise()` answers what the API said, one `Answer` per call: the happy path (an operator,
or an approver for decisions, on a small seeded world), then for each operation no
credentials, a user without a role, a viewer, an unknown id, a malformed body, a body in
another media type, an unknown and a bad query parameter, an Accept no renderer gives, and
a throttled change. Used by test_openapi_statuses.py (each status declared) and
test_openapi_examples.py (the schema's examples are these answers).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from approvals.models import ApprovalRequest
from hotdash.rest import MutationRateThrottle
from integrations.models import Integration
from monitoring.models import Finding
from monitoring.services.incidents import incident_acknowledge, incident_open

METHODS = ("get", "post", "put", "patch", "delete")
NOTE = {"note": "looking at it"}
REPLY = {
    "action": "chatwoot.send_reply",
    "params": {"conversation_id": 42, "content": "Your order shipped today."},
    "reason": "customer asked",
}
# What each write sends on its happy path (operationId → body); the others send none.
BODIES = {
    "approvals_create": REPLY,
    "approvals_approve": {"comment": "wording ok"},
    "approvals_reject": {"comment": "not now"},
    "approvals_cancel": {"reason": "wrong text"},
    "approvals_resolve": {"performed": True, "comment": "reply visible in Chatwoot"},
    "flags_kill_switch": {"scope": "integration", "target": "publer", "reason": "wrong post"},
    "idea_pool_create": {
        "title": "Bundle hose + fittings",
        "hypothesis": "Kits raise AOV",
        "metric": "average_order_value",
    },
    "incidents_acknowledge": NOTE,
    "incidents_unacknowledge": NOTE,
    "incidents_resolve": NOTE,
    "findings_resolve": {"note": "reviewed"},
}
DECIDERS = {"approvals_approve", "approvals_reject", "approvals_resolve"}
UNKNOWN = {"id": "999999999", "seq": "999999999", "slug": "no-such-slug", "key": "no-such-key"}


@dataclass
class Answer:
    operation: str  # operationId
    case: str  # "happy", "anonymous", "no_role", …
    status: int
    request: dict | None
    body: object  # the JSON answer, or None


def world(personas: dict, sandbox_url: str, settings) -> dict[str, dict[str, str]]:
    """Seed the catalogue and the rows the operations act on: per operationId, the value of
    each path parameter on the happy path."""
    settings.SANDBOX_URL = sandbox_url
    call_command("seed")
    operator = APIClient()
    operator.force_authenticate(personas["operator"])

    def incident(slug: str):
        found, _ = incident_open(integration=Integration.objects.get(slug=slug), reason="down")
        return str(found.pk)

    acked = incident("chatwoot")
    incident_acknowledge(incident_id=int(acked), user=personas["operator"])
    finding = Finding.objects.create(
        integration=Integration.objects.get(slug="shopify"),
        kind=Finding.Kind.choices[0][0],
        key="2025-01",
        title="Shopify API version 2025-01 is sunset on 2026-12-31",
        first_seen_at="2026-12-01T00:00:00Z",
        last_seen_at="2026-12-07T00:00:00Z",
    )
    requests = [
        operator.post("/api/v1/approvals/", REPLY, format="json").json()["id"] for _ in "abcd"
    ]
    ApprovalRequest.objects.filter(pk=requests[3]).update(status=ApprovalRequest.Status.UNKNOWN)
    operator.post("/api/v1/integrations/shopify/probe/")
    operator.post("/api/v1/flags/kill-switches/", BODIES["flags_kill_switch"], format="json")
    shared = {"slug": "shopify", "seq": "1", "key": "integration_status", "id": incident("ga4")}
    return {
        "approvals_retrieve": {"id": str(requests[0])},
        "approvals_approve": {"id": str(requests[0])},
        "approvals_reject": {"id": str(requests[1])},
        "approvals_cancel": {"id": str(requests[2])},
        "approvals_resolve": {"id": str(requests[3])},
        "findings_retrieve": {"id": str(finding.pk)},
        "findings_resolve": {"id": str(finding.pk)},
        "flags_retrieve": {"key": "kill.integration.publer"},
        "incidents_acknowledge": {"id": incident("shopify")},
        "incidents_unacknowledge": {"id": acked},
        "": shared,
    }


def operations(schema: dict):
    """(operationId, method, path, operation) for every operation, writes last."""
    found = [
        (operation["operationId"], method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]
    return sorted(found, key=lambda row: (row[1] != "get", row[0]))


def exercise(schema: dict, personas: dict, ids: dict, monkeypatch) -> list[Answer]:
    clients = {name: _client(user) for name, user in personas.items()}
    clients["anonymous"] = APIClient()
    answers = []
    for op_id, method, path, operation in operations(schema):
        values = {**ids[""], **ids.get(op_id, {})}
        url = path.format(**values)
        body = BODIES.get(op_id)
        who = "approver" if op_id in DECIDERS else "operator"
        answers.append(_call(clients[who], op_id, "happy", method, url, body))
        answers += _hostile(clients, op_id, method, path, url, body, operation)
    # A wrong method is throttled like any change: room for all of them, then 1 a minute.
    monkeypatch.setattr(MutationRateThrottle, "THROTTLE_RATES", {"mutations": "1000/min"})
    answers += _wrong_methods(clients["operator"], schema, ids)
    cache.clear()
    monkeypatch.setattr(MutationRateThrottle, "THROTTLE_RATES", {"mutations": "1/min"})
    for op_id, method, path, _ in operations(schema):
        if method != "get":
            url = path.format(**{**ids[""], **ids.get(op_id, {})})
            for _ in range(2):
                answers.append(
                    _call(clients["other"], op_id, "throttled", method, url, BODIES.get(op_id))
                )
    return answers


def _hostile(clients, op_id, method, path, url, body, operation) -> list[Answer]:
    operator = clients["operator"]
    calls = [
        _call(clients["anonymous"], op_id, "anonymous", method, url, body),
        _call(clients["nobody"], op_id, "no_role", method, url, body),
        _call(clients["viewer"], op_id, "viewer", method, url, body),
        _call(operator, op_id, "unknown_param", method, url + "?bogus=1", body),
        _call(operator, op_id, "not_acceptable", method, url, body, HTTP_ACCEPT="application/xml"),
        _call(operator, op_id, "bad_format", method, url + "?format=xml", body),
    ]
    if "{" in path:
        calls.append(_call(operator, op_id, "unknown_id", method, path.format(**UNKNOWN), body))
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query":
            for case, value in (("bad_", "%21bad%21"), ("nul_", "a%00b")):
                bad = f"{url}?{parameter['name']}={value}"
                calls.append(_call(operator, op_id, case + parameter["name"], method, bad, body))
    if "requestBody" in operation:
        calls += [
            _raw(operator, op_id, "malformed", method, url, "{", "application/json"),
            _raw(operator, op_id, "not_an_object", method, url, "[1]", "application/json"),
            _raw(operator, op_id, "media_type", method, url, "note", "text/plain"),
        ]
    if body:  # PostgreSQL stores no NUL: every string of the body gets one
        calls.append(_call(operator, op_id, "nul_body", method, url, _with_nul(body)))
    return calls


def _with_nul(value):
    if isinstance(value, str):
        return value + "\x00"
    if isinstance(value, dict):
        return {key: _with_nul(item) for key, item in value.items()}
    return value


def _wrong_methods(client, schema, ids) -> list[Answer]:
    answers = []
    for path, item in schema["paths"].items():
        url = path.format(**ids[""])
        for method in METHODS:
            if method not in item:
                answers.append(
                    _call(client, f"{method.upper()} {path}", "wrong_method", method, url, None)
                )
    return answers


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _call(client, op_id, case, method, url, body, **headers) -> Answer:
    response = getattr(client, method)(url, body, format="json", **headers)
    return _answer(op_id, case, response, body)


def _raw(client, op_id, case, method, url, data, content_type) -> Answer:
    response = getattr(client, method)(url, data, content_type=content_type)
    return _answer(op_id, case, response, None)


def _answer(op_id, case, response, body) -> Answer:
    # Read every answer to its end, as a WSGI server does (the test client then closes it): a
    # CSV export left half-read keeps its PostgreSQL server-side cursor, whose late close
    # would wait on the next query.
    content = b"".join(response.streaming_content) if response.streaming else response.content
    parsed = None
    if response.get("Content-Type", "").startswith("application/json"):
        parsed = json.loads(content)
    return Answer(op_id, case, response.status_code, body, parsed)


def personas_for(viewer, operator, approver, other_approver) -> dict:
    nobody = get_user_model().objects.create_user("nobody")
    return {
        "viewer": viewer,
        "operator": operator,
        "approver": approver,
        "other": other_approver,
        "nobody": nobody,
    }
