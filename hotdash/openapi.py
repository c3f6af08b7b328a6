"""The API's OpenAPI contract: what every operation shares, declared once.

A leaf module (it imports no app), like hotdash.errors, so every app's `api/` uses it:
- `ErrorSerializer`: the one error body `api_exception_handler` answers, `code`, `detail`
  and the extras some codes add (`allowed`, `errors`, `missing`, …).
- `refusals({409: "…"})`: an operation's own refusals (a conflict, an unknown slug in a
  query parameter, a vendor failure) for `extend_schema(responses=…)`.
- `HotdashAutoSchema` (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS): one tag per resource, an
  operationId `<resource>_<action>`, a description of the operation's own (never its
  viewset's), and the refusals the view can answer, read from the view itself: 401/403
  for a view behind a permission, 400 for a body or query parameters it validates, 415
  for a body, 404 for a path with an id, 429 for a throttled change, 406 for any.
- `examples_hook` (a POSTPROCESSING_HOOK): the examples recorded from real answers
  (`openapi_examples.json`, written and checked by tests/hotdash/test_openapi_examples.py).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

from django.core.validators import RegexValidator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_doc
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from hotdash.rest import MutationRateThrottle, StrictFilterBackend

EXAMPLES_FILE = Path(__file__).with_name("openapi_examples.json")

ERRORS = {
    400: "Refused input: a body that is malformed or invalid (`parse_error`, `invalid` with "
    "`errors` per field), or a query parameter, filter, ordering or cursor this operation "
    "does not accept (`unknown_filter` or `unknown_ordering` with `allowed`, "
    "`invalid_cursor`, `unknown_window`).",
    401: "No credentials (`not_authenticated`), or a token that is invalid, expired or "
    "revoked (`authentication_failed`).",
    403: "The user has no role, or not the one this needs (`permission_denied`), or a "
    "session request without its CSRF token.",
    404: "No such object (`not_found`).",
    406: "The `Accept` header or `?format=` asks for a representation the API does not "
    "give (`not_acceptable`).",
    415: "A body in a media type the API does not read (`unsupported_media_type`): send JSON.",
    429: "Too many changes this minute (`throttled`); `Retry-After` says when to retry.",
}
WRITES = ("POST", "PUT", "PATCH", "DELETE")
# One tag per resource (the first segment of its path), in the order of DESIGN.md's API map.
TAGS = {
    "root": "Where everything is.",
    "health": "Counts per status and the status tile.",
    "integrations": "Each service with its health; probe now.",
    "incidents": "Incidents, their timelines, ack and resolve.",
    "checks": "Raw probe history and its CSV export.",
    "metrics": "Latency percentiles, error rates, availability.",
    "rate-limits": "Rate-limit headroom per integration.",
    "errors": "Failures grouped by fingerprint.",
    "dependencies": "The dependency graph and outage impact.",
    "slo": "Objectives, error budgets, burn rates, SLA report.",
    "findings": "Signals that are not outages; resolve them.",
    "tiles": "Dashboard tile payloads from their snapshots.",
    "idea-pool": "The analytics idea pool, stored in Supabase.",
    "approvals": "Approval requests: request, decide, cancel.",
    "flags": "Feature flags and kill switches.",
    "audit": "The hash-chained audit trail and its check.",
}
# Text without NUL: PostgreSQL stores none, so the API refuses it (Django's and DRF's forms do).
NO_NUL = r"^[^\x00]*$"
# ... and not blank once DRF strips it: one character that is whitespace neither for Python's
# str.strip() nor for the schema's (ECMA) regular expressions.
NOT_BLANK_NOR_NUL = r"^[^\x00]*[^\s\x1c-\x1f\x85\x00][^\x00]*$"


def _header(description: str) -> dict:
    return {"schema": {"type": "integer", "minimum": 0}, "description": description}


# hotdash.rest.RateLimitHeadersMiddleware: on every answer to a throttled change.
RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": _header("Changes allowed per minute."),
    "RateLimit-Remaining": _header("Changes left in the current minute."),
    "RateLimit-Reset": _header("Seconds until the oldest counted change leaves the window."),
}
RETRY_AFTER = _header("Seconds to wait before trying again.")


class ErrorSerializer(serializers.Serializer):
    """Every refusal: a stable `code`, a human `detail`, and for some codes more fields."""

    code = serializers.CharField(help_text="Stable, for programs: `invalid`, `not_found`, …")
    detail = serializers.CharField(help_text="For people.")
    errors = serializers.JSONField(
        required=False, help_text="With `invalid`: the messages per field of the body."
    )
    allowed = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="With `unknown_filter`, `unknown_ordering`, `unknown_window`: what is.",
    )


def refusals(descriptions: dict[int, str]) -> dict[int, OpenApiResponse]:
    """`{409: "why"}` as responses with the shared error body, for extend_schema."""
    return {
        status: OpenApiResponse(ErrorSerializer, description=description)
        for status, description in descriptions.items()
    }


class HotdashAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema with the project's conventions (see the module doc)."""

    def _resource_tokens(self) -> list[str]:
        return [token.replace("-", "_") for token in self._tokenize_path()] or ["root"]

    def get_tags(self) -> list[str]:
        return [self._tokenize_path()[0] if self._tokenize_path() else "root"]

    def get_operation_id(self) -> str:
        tokens = self._resource_tokens()
        action = getattr(self.view, "action", None)
        standard = action in (None, "list", "retrieve", "create", "update", "destroy")
        if not standard:
            return "_".join(tokens)  # a custom action's url_path is already in the path
        if self.method == "GET":
            verb = "list" if self._is_list_view() else "retrieve"
        else:
            verb = self.method_mapping[self.method.lower()]
        return "_".join([*tokens, verb])

    def get_description(self) -> str:
        """The handler's own docstring; the view's only when it has a single operation."""
        handler = getattr(self.view, getattr(self.view, "action", None) or "", None)
        handler = handler or getattr(self.view, self.method.lower(), None)
        own = get_doc(handler)
        if own or getattr(self.view, "action", None):
            return own
        return get_doc(self.view.__class__)

    def _get_parameters(self):
        """Optional query parameters: an empty value is "not given" everywhere (django-filter
        and DRF read them like a form); `ordering` names only the view's fields. Path
        parameters: the pattern the URL accepts, so a client knows what is a 404 before
        asking."""
        parameters = super()._get_parameters()
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
                schema.pop("minLength", None)
            plain = not {"pattern", "enum", "format"} & set(schema)
            if parameter["in"] == "query" and schema.get("type") == "string" and plain:
                schema["pattern"] = NO_NUL
            fields = getattr(self.view, "ordering_fields", None)
            if parameter["in"] == "query" and parameter["name"] == "ordering" and fields:
                names = "|".join(re.escape(name) for name in fields)
                schema["pattern"] = rf"^-?({names})(,-?({names}))*$"
            regex = getattr(self.view, "lookup_value_regex", None)
            if parameter["in"] == "path" and regex and schema.get("type") == "string":
                schema.setdefault("pattern", f"^{regex}$")
        return parameters

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """A request string has no NUL, and one that may not be blank says so (DRF strips
        it first)."""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and field.trim_whitespace
            and not any(isinstance(v, RegexValidator) for v in field.validators)
        ):
            schema["pattern"] = NO_NUL if field.allow_blank else NOT_BLANK_NOR_NUL
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for status in sorted(self._refusals()):
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERRORS[status]), str(status)
                )
        if "429" in responses:
            for status, response in responses.items():
                if status == "429" or status.startswith("2"):
                    response["headers"] = copy.deepcopy(RATE_LIMIT_HEADERS)
            responses["429"]["headers"]["Retry-After"] = copy.deepcopy(RETRY_AFTER)
        return dict(sorted(responses.items()))

    def _refusals(self) -> set[int]:
        """The refusals any view of this kind can answer, read from the view."""
        found = {406}
        if any(not isinstance(p, AllowAny) for p in self.view.get_permissions()):
            found |= {401, 403}
        if self.method in WRITES and self._get_request_body():
            found |= {400, 415}
        if self.method == "GET" and self._validates_query():
            found.add(400)
        if "{" in self.path:
            found.add(404)
        throttled = any(isinstance(t, MutationRateThrottle) for t in self.view.get_throttles())
        if self.method in WRITES and throttled:
            found.add(429)
        return found

    def _validates_query(self) -> bool:
        if any(p.get("in") == "query" for p in self._get_parameters()):
            return True
        # A list or a lookup goes through the strict filter, which refuses unknown names.
        if getattr(self.view, "action", None) not in ("list", "retrieve"):
            return False
        backends = getattr(self.view, "filter_backends", ())
        return any(issubclass(backend, StrictFilterBackend) for backend in backends)


def nullable_refs_hook(result, generator, request, public):
    """A nullable nested object as OpenAPI 3.0 can say it: drf-spectacular writes
    `{"allOf": [{"$ref": …}], "nullable": true}`, where `nullable` does not reach inside the
    `allOf` (OpenAPI 3.0.3), so null is refused by strict validators; `anyOf` the object or
    null says what the API answers."""

    def fix(node):
        if isinstance(node, dict):
            if node.get("nullable") and len(node.get("allOf", [])) == 1:
                ref = node.pop("allOf")[0]
                node.pop("nullable")
                node["anyOf"] = [ref, {"enum": [None], "nullable": True}]
            for value in node.values():
                fix(value)
        elif isinstance(node, list):
            for value in node:
                fix(value)

    fix(result)
    return result


def examples_hook(result, generator, request, public):
    """Attach the recorded examples (`openapi_examples.json`) to their operations:
    `{operationId: {"request": body, "responses": {status: body}}}`."""
    recorded = json.loads(EXAMPLES_FILE.read_text()) if EXAMPLES_FILE.exists() else {}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            _attach(operation, recorded.get(operation.get("operationId"), {}))
    return result


def _attach(operation: dict, recorded: dict) -> None:
    body = recorded.get("request")
    request_content = operation.get("requestBody", {}).get("content", {})
    if body is not None and "application/json" in request_content:
        request_content["application/json"]["example"] = body
    for status, example in recorded.get("responses", {}).items():
        content = operation["responses"].get(status, {}).get("content", {})
        if "application/json" in content:
            content["application/json"]["example"] = example


def tags_hook(result, generator, request, public):
    """The resources' tags, described and in the order of TAGS."""
    result["tags"] = [{"name": name, "description": text} for name, text in TAGS.items()]
    return result
