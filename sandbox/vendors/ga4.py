"""Google Analytics 4 Data API v1beta and the OAuth2 token endpoint under `/ga4`.

- `POST /ga4/token`: service-account JWT-bearer grant (google-auth-library-python
  `google/oauth2/_client.py`). Any well-formed JWT with iss/scope/aud/iat/exp is
  accepted; the signature is not checked.
- `POST /ga4/v1beta/properties/{id}:runReport` with `Authorization: Bearer <token>`.
Errors use google.rpc.Status (cloud.google.com/apis/design/errors); quotas as in
the `PropertyQuota` proto comments (vendor-contracts.md §4), really consumed per call.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from urllib.parse import parse_qs

from ..faults import Field
from ..router import Router
from ..wire import Request, Response, bearer_token, json_response
from .base import Vendor
from .ga4_report import ReportError, run_report

STATIC_TOKEN = "ya29.sandbox-static-token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
QUOTA_DOC = "https://developers.google.com/analytics/devguides/reporting/data/v1/quotas"
SHORT_LIVED = (
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
    "timeframe. Check your iat and exp values in the JWT claim."
)
# (quota name in propertyQuota, settings key, window seconds, message when exhausted)
WINDOWS = (
    ("tokensPerDay", "tokens_per_day", 86_400, "Exhausted property tokens per day"),
    ("tokensPerHour", "tokens_per_hour", 3_600, "Exhausted property tokens per hour"),
    (
        "tokensPerProjectPerHour",
        "tokens_per_project_per_hour",
        3_600,
        "Exhausted property tokens per project per hour",
    ),
)


def status_error(code: int, status: str, message: str) -> Response:
    """A google.rpc.Status error body."""
    return json_response(code, {"error": {"code": code, "message": message, "status": status}})


def _b64json(part: str) -> dict:
    value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value


class GA4(Vendor):
    name = "ga4"
    extras = {
        "tokens_per_day": Field("int", 200_000, 0, 10_000_000),
        "tokens_per_hour": Field("int", 40_000, 0, 10_000_000),
        "tokens_per_project_per_hour": Field("int", 14_000, 0, 10_000_000),
        "concurrent_requests": Field("int", 10, 1, 1_000),
    }

    def __init__(self, ctx) -> None:
        self._flight_lock = threading.Lock()
        super().__init__(ctx)

    def register(self, router: Router) -> None:
        router.add("POST", "/token", self.token)
        router.add("POST", "/v1beta/properties/{property:[^/:]+}:runReport", self.run_report)

    def reset(self) -> None:
        with self.lock:
            self._tokens: dict[str, float] = {}
            self._consumed: dict[str, tuple[int, int]] = {}  # quota → (window index, consumed)
            self._in_flight = 0

    def snapshot(self) -> dict:
        return {"quota": self._quota_status(self.ctx.settings(self.name), 0)}

    # Faults in Google's shapes --------------------------------------------------------------
    def auth_failure_response(self, req: Request) -> Response:
        if req.path == "/token":
            return json_response(
                400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
            )
        return status_error(
            403, "PERMISSION_DENIED", "User does not have sufficient permissions for this property."
        )

    def error_response(self, req: Request) -> Response:
        return status_error(500, "INTERNAL", "Internal error encountered.")

    def outage_response(self, req: Request) -> Response:
        return status_error(503, "UNAVAILABLE", "The service is currently unavailable.")

    def throttle_response(self, req: Request) -> Response:
        return status_error(
            429,
            "RESOURCE_EXHAUSTED",
            f"Exhausted property tokens per hour. To learn more, see {QUOTA_DOC}",
        )

    # OAuth2 token endpoint ------------------------------------------------------------------
    def token(self, req: Request) -> Response:
        """Exchange a JWT assertion for `ya29.sandbox-…` (expires_in 3599) or 400 invalid_grant."""
        form = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != JWT_GRANT:
            return json_response(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": f"Invalid grant_type: {form.get('grant_type', '')}",
                },
            )
        problem = self._assertion_problem(form.get("assertion", ""))
        if problem:
            return json_response(400, {"error": "invalid_grant", "error_description": problem})
        token = "ya29.sandbox-" + secrets.token_hex(24)
        with self.lock:
            self._tokens[token] = time.time() + 3599
        return json_response(
            200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}
        )

    @staticmethod
    def _assertion_problem(assertion: str) -> str | None:
        parts = assertion.split(".")
        try:
            if len(parts) != 3 or not parts[2]:
                raise ValueError("not three parts")
            _b64json(parts[0])
            claims = _b64json(parts[1])
        except ValueError:
            return "Invalid JWT Signature."
        missing = [c for c in ("iss", "scope", "aud", "iat", "exp") if c not in claims]
        if missing:
            return f"Invalid JWT: missing claim(s) {', '.join(missing)}."
        iat, exp = claims["iat"], claims["exp"]
        if not isinstance(iat, int | float) or not isinstance(exp, int | float):
            return SHORT_LIVED
        now = time.time()
        if exp <= iat or exp - iat > 3600 or exp < now - 300 or iat > now + 300:
            return SHORT_LIVED
        return None

    def _token_ok(self, token: str | None) -> bool:
        if token == STATIC_TOKEN:
            return True
        with self.lock:
            return token is not None and self._tokens.get(token, 0) > time.time()

    # runReport ------------------------------------------------------------------------------
    def run_report(self, req: Request) -> Response:
        """Auth → quota check → report → charge tokens; adds propertyQuota when asked."""
        if not self._token_ok(bearer_token(req)):
            return status_error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 "
                "access token, login cookie or other valid authentication credential.",
            )
        if not req.params["property"].isdigit():
            return status_error(
                400, "INVALID_ARGUMENT", f"Invalid property: {req.params['property']}"
            )
        try:
            body = req.json()
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            return status_error(400, "INVALID_ARGUMENT", f"Invalid JSON payload received. {exc}")
        exhausted = self._exhausted(req.settings)
        if exhausted:
            return status_error(429, "RESOURCE_EXHAUSTED", exhausted)
        with self._flight_lock:
            self._in_flight += 1
        try:
            report, cost = run_report(body, self.ctx.seed, self.ctx.now())
        except ReportError as exc:
            return status_error(400, "INVALID_ARGUMENT", str(exc))
        finally:
            with self._flight_lock:
                self._in_flight -= 1
        self._charge(cost)
        if body.get("returnPropertyQuota"):
            report["propertyQuota"] = self._quota_status(req.settings, cost)
        return json_response(200, report)

    def _used(self, quota: str, period: int) -> int:
        window, used = self._consumed.get(quota, (-1, 0))
        return used if window == int(time.time() // period) else 0

    def _exhausted(self, settings: dict) -> str | None:
        with self._flight_lock:
            if self._in_flight >= settings["concurrent_requests"]:
                return f"Exhausted concurrent requests quota. To learn more, see {QUOTA_DOC}"
        with self.lock:
            for quota, key, period, message in WINDOWS:
                if self._used(quota, period) >= settings[key]:
                    return f"{message}. To learn more, see {QUOTA_DOC}"
        return None

    def _charge(self, cost: int) -> None:
        with self.lock:
            for quota, _, period, _ in WINDOWS:
                self._consumed[quota] = (
                    int(time.time() // period),
                    self._used(quota, period) + cost,
                )

    def _quota_status(self, settings: dict, cost: int) -> dict:
        with self.lock:
            status = {
                quota: {
                    "consumed": cost,
                    "remaining": max(0, settings[key] - self._used(quota, period)),
                }
                for quota, key, period, _ in WINDOWS
            }
        limit = settings["concurrent_requests"]
        status["concurrentRequests"] = {"consumed": 0, "remaining": limit}
        status["serverErrorsPerProjectPerHour"] = {"consumed": 0, "remaining": 10}
        status["potentiallyThresholdedRequestsPerHour"] = {"consumed": 0, "remaining": 120}
        return status
