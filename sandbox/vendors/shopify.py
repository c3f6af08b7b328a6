"""Shopify Admin GraphQL: `POST /shopify/admin/api/{version}/graphql.json`.

Wire facts (vendor-contracts.md §1): auth header `X-Shopify-Access-Token`;
a bad token gets 401 with `www-authenticate: Basic Realm=...`; every answer
carries `extensions.cost.throttleStatus`; an empty bucket answers 200 +
THROTTLED (Shopify/cli#8317) or, with `throttle_mode: "429"`, 429 + Retry-After.
Rate limits: https://shopify.dev/docs/api/usage/rate-limits

Every query is first parsed and validated by graphql-core against Shopify's official
Admin schema (`sandbox.schema`), so a query Shopify would refuse is refused here, in
Shopify's error shape (200, `errors` with `message`, `locations`, `extensions.code`,
no `data`). A valid query is then executed by graphql-core over the seeded store
(`sandbox.schema.execute`).
"""

from __future__ import annotations

import math
import re

from ..faults import Field
from ..limits import LeakyBucket
from ..router import Router
from ..schema import admin_schema, check
from ..schema.execute import FieldError, prepare, run
from ..wire import Request, Response, json_response
from .base import Vendor
from .shopify_objects import StoreObjects
from .shopify_webhooks import WebhookSubscriptions

TOKEN = "sandbox-shopify-token"
MAX_QUERY_COST = 1000
RATE_LIMIT_DOC = "https://shopify.dev/api/usage/rate-limits"
DEPRECATION_DOC = "https://shopify.dev/api/usage/versioning#deprecation-practices"
_VERSION = re.compile(r"\d{4}-(01|04|07|10)")


def _version_check(value: str) -> str | None:
    return None if _VERSION.fullmatch(value) else "must be a quarterly version like 2025-07"


class Shopify(Vendor):
    name = "shopify"
    extras = {
        "throttle_mode": Field("str", "200", choices=("200", "429")),
        "maximum_available": Field("float", 2000.0, 1.0, 1_000_000.0),
        "restore_rate": Field("float", 100.0, 0.0, 1_000_000.0),
        # Versions older than this get X-Shopify-API-Deprecated-Reason (None: never).
        "deprecated_before": Field("str", None, nullable=True, check=_version_check),
        # Unsupported older versions "fall forward" to this one (X-Shopify-API-Version).
        "oldest_supported": Field("str", "2024-10", check=_version_check),
    }

    def register(self, router: Router) -> None:
        router.add("POST", "/admin/api/{version:\\d{4}-\\d{2}|unstable}/graphql.json", self.graphql)

    def reset(self) -> None:
        default = self.extras
        self.bucket = LeakyBucket(
            default["maximum_available"].default, default["restore_rate"].default
        )
        self.webhooks = WebhookSubscriptions(self.ctx.now)

    def snapshot(self) -> dict:
        return {"bucket": self._throttle_status(), "webhooks": self.webhooks.snapshot()}

    def _throttle_status(self) -> dict:
        return {
            "maximumAvailable": self.bucket.capacity,
            "currentlyAvailable": int(self.bucket.available()),
            "restoreRate": self.bucket.rate,
        }

    def _cost(self, requested: int, actual: int | None) -> dict:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": self._throttle_status(),
            }
        }

    # Faults in Shopify's own shapes ---------------------------------------------------------
    def auth_failure_response(self, req: Request) -> Response:
        body = {
            "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
        }
        return json_response(
            401, body, {"www-authenticate": 'Basic Realm="Shopify API Authentication"'}
        )

    def error_response(self, req: Request) -> Response:
        return json_response(500, {"errors": "Internal Server Error"})

    def outage_response(self, req: Request) -> Response:
        html = "<!DOCTYPE html><html><body><h1>Service unavailable</h1></body></html>"
        resp = Response(503, html.encode(), [("Content-Type", "text/html; charset=utf-8")])
        return resp.with_headers({"Retry-After": "5"})

    def throttle_response(self, req: Request, requested: int | None = None) -> Response:
        """THROTTLED in a 200 (default) or a 429 with Retry-After (`throttle_mode: "429"`)."""
        requested = requested if requested is not None else self._requested_cost(req)
        body = {
            "errors": [
                {
                    "message": "Throttled",
                    "extensions": {"code": "THROTTLED", "documentation": RATE_LIMIT_DOC},
                }
            ],
            "extensions": self._cost(requested, None),
        }
        if req.settings.get("throttle_mode") == "429":
            wait = self.bucket.wait_time(requested)
            retry = max(1, math.ceil(wait)) if math.isfinite(wait) else 60
            return json_response(429, body, {"Retry-After": str(retry)})
        return json_response(200, body)

    def _requested_cost(self, req: Request) -> int:
        try:
            body = req.json()
            version = self._served_version(req.params["version"], req.settings)
            document, invalid = check(body["query"], version)
            if invalid:
                return 1
            schema = admin_schema(version)
            return prepare(schema, document, body.get("operationName"), body.get("variables")).cost
        except (ValueError, KeyError, TypeError, AttributeError, FieldError):
            return 1

    # The endpoint ---------------------------------------------------------------------------
    def graphql(self, req: Request) -> Response:
        """Auth, bucket, then the query; see the module docstring for the wire contract."""
        if req.header("X-Shopify-Access-Token") != TOKEN:
            return self.auth_failure_response(req)
        settings = req.settings
        self.bucket.configure(settings["maximum_available"], settings["restore_rate"])
        served = self._served_version(req.params["version"], settings)
        headers = self._version_headers(req.params["version"], served, settings)
        try:
            body = req.json()
            query = body["query"]
            if not isinstance(query, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return json_response(
                400, {"errors": {"query": "Required parameter missing or invalid"}}
            )
        return self._run(req, body, query, served).with_headers(headers)

    @staticmethod
    def _served_version(version: str, settings: dict) -> str:
        """Unsupported older versions fall forward to the oldest supported one."""
        if version != "unstable" and version < settings["oldest_supported"]:
            return settings["oldest_supported"]
        return version

    def _version_headers(self, version: str, served: str, settings: dict) -> dict[str, str]:
        headers = {"X-Shopify-API-Version": served}
        cutoff = settings["deprecated_before"]
        if cutoff and version != "unstable" and version < cutoff:
            headers["X-Shopify-API-Deprecated-Reason"] = DEPRECATION_DOC
        return headers

    def _run(self, req: Request, body: dict, query: str, version: str) -> Response:
        """Validate against the official schema, charge the bucket, execute with graphql-core."""
        document, invalid = check(query, version)
        if invalid:
            return json_response(200, {"errors": invalid, "extensions": self._cost(0, 0)})
        schema = admin_schema(version)
        try:
            prepared = prepare(schema, document, body.get("operationName"), body.get("variables"))
        except FieldError as exc:
            error: dict = {"message": str(exc)}
            if exc.code:
                error["extensions"] = {"code": exc.code}
            return json_response(200, {"errors": [error], "extensions": self._cost(0, 0)})
        cost = prepared.cost
        if cost > MAX_QUERY_COST:
            return json_response(200, self._too_costly(cost))
        taken, _ = self.bucket.take(cost)
        if not taken:
            return self.throttle_response(req, cost)
        root = (
            {**StoreObjects(self.ctx.seed, self.ctx.now()).root(), **self.webhooks.query_fields()}
            if prepared.operation.operation.value == "query"
            else {"__typename": "Mutation", **self.webhooks.mutation_fields()}
        )
        result = run(schema, document, prepared, root)
        actual = min(result.actual_cost, cost)
        self.bucket.refund(cost - actual)
        # Execution began, so `data` is there (null when an error reached a non-null root field);
        # only a field the sandbox does not serve drops it, as a validation error would.
        payload: dict = {} if result.unserved else {"data": result.data}
        if result.errors:
            payload["errors"] = result.errors
        payload["extensions"] = self._cost(cost, actual)
        return json_response(200, payload)

    def _too_costly(self, cost: int) -> dict:
        message = (
            f"Query cost is {cost}, which exceeds the single query max cost limit "
            f"({MAX_QUERY_COST}).\n\nSee {RATE_LIMIT_DOC} for more information on how the\n"
            "cost of a query is calculated.\n"
        )
        error = {
            "message": message,
            "extensions": {"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": MAX_QUERY_COST},
        }
        return {"errors": [error], "extensions": self._cost(cost, None)}
