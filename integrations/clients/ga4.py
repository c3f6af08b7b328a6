"""Google Analytics 4 Data API (v1beta) client with service-account bearer tokens.

Quirks (vendor-contracts.md §4; googleapis analytics_data_api.proto,
google-auth-library-python google/oauth2/_client.py):
- A token comes from a JWT (RS256, `kid` = private_key_id; iss/scope/aud/iat/exp,
  at most 1 h) posted to `token_uri` as `grant_type=…jwt-bearer&assertion=…`;
  it is cached until shortly before `expires_in` runs out.
- All metric and dimension values are strings; an empty report may omit
  `rows` and `rowCount` (proto3 JSON).
- `propertyQuota` (asked with `returnPropertyQuota`) gives our headroom.
- Errors are google.rpc.Status: `{"error": {"code", "message", "status"}}`.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from integrations.http import AuthRejected, ConfigInvalid, ContractBroken, HttpResult

from .base import VendorClient
from .jwt import rs256_jwt, sandbox_private_key_pem

SCOPE = "https://www.googleapis.com/auth/analytics.readonly"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
REFRESH_MARGIN_S = 60
# Quota ceilings from the PropertyQuota proto comments (standard properties).
QUOTA_CEILINGS = {
    "tokensPerDay": 200_000,
    "tokensPerHour": 40_000,
    "tokensPerProjectPerHour": 14_000,
    "concurrentRequests": 10,
    "serverErrorsPerProjectPerHour": 10,
    "potentiallyThresholdedRequestsPerHour": 120,
}

_tokens: dict[
    tuple[str, str], tuple[str, float]
] = {}  # (client_email, token_uri) → (token, expiry)
_tokens_lock = threading.Lock()


@dataclass(frozen=True)
class Report:
    rows: list[dict[str, str]]
    row_count: int
    metadata: dict[str, Any] = field(default_factory=dict)
    property_quota: dict[str, Any] = field(default_factory=dict)


def sandbox_service_account_json(integration: Any) -> str:
    """A service-account key file for the sandbox (a generated key; token_uri at the sandbox)."""
    return _sandbox_json(integration.effective_base_url.rstrip("/") + "/token")


@lru_cache(maxsize=8)
def _sandbox_json(token_uri: str) -> str:
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "hotdash-sandbox",
            "private_key_id": "sandbox-key-1",
            "private_key": sandbox_private_key_pem(),
            "client_email": "hotdash@hotdash-sandbox.iam.gserviceaccount.com",
            "token_uri": token_uri,
        }
    )


class GA4Client(VendorClient):
    @property
    def property_id(self) -> str:
        value = str(self.config.get("property_id", ""))
        if not value.isdigit():
            raise ConfigInvalid(f"{self.integration.slug}: config property_id must be numeric")
        return value

    def service_account(self) -> dict[str, str]:
        try:
            account = json.loads(self.credentials.get("service_account_json", ""))
            account["client_email"], account["private_key"]  # noqa: B018 - required keys
        except (ValueError, KeyError, TypeError):
            raise ConfigInvalid(
                f"{self.integration.slug}: the service account JSON is unreadable"
            ) from None
        self.gateway.scrub.add(account["private_key"])
        return account

    def token_uri(self, account: dict[str, str]) -> str:
        if self.integration.mode == self.integration.Mode.SANDBOX:
            return self.url("token")
        return account.get("token_uri") or self.config.get("token_uri") or GOOGLE_TOKEN_URI

    # -- tokens -----------------------------------------------------------------------

    def access_token(self, *, fresh: bool = False) -> str:
        """A bearer token from the cache, or a new one from `token_uri`."""
        account = self.service_account()
        key = (account["client_email"], self.token_uri(account))
        with _tokens_lock:
            cached = _tokens.get(key)
        if cached and not fresh and cached[1] > time.time():
            self.gateway.scrub.add(cached[0])
            return cached[0]
        token, lifetime = self._fetch_token(account, key[1])
        with _tokens_lock:
            _tokens[key] = (token, time.time() + max(0, lifetime - REFRESH_MARGIN_S))
        return token

    def _fetch_token(self, account: dict[str, str], token_uri: str) -> tuple[str, float]:
        now = int(time.time())
        claims = {
            "iss": account["client_email"],
            "scope": SCOPE,
            "aud": token_uri,
            "iat": now,
            "exp": now + 3600,
        }
        assertion = rs256_jwt(claims, account["private_key"], account.get("private_key_id"))
        self.gateway.scrub.add(assertion)
        result = self.gateway.request(
            "POST",
            token_uri,
            data={"grant_type": JWT_GRANT, "assertion": assertion},
            expect={200, 400, 401},
            idempotent=True,
            describe=describe_error,
        )
        body = result.json()
        if result.status != 200 or "access_token" not in body:
            raise AuthRejected(
                f"token refused: {describe_error(result)}", vendor_status=result.status
            )
        self.gateway.scrub.add(body["access_token"])
        return str(body["access_token"]), float(body.get("expires_in", 3600))

    # -- reports ----------------------------------------------------------------------

    def run_report(
        self,
        *,
        metrics: list[str],
        dimensions: list[str] | None = None,
        date_ranges: list[tuple[str, str]] | None = None,
        limit: int | None = None,
        return_property_quota: bool = True,
    ) -> Report:
        """One runReport. A 401 (expired token) is retried once with a fresh token."""
        body: dict[str, Any] = {
            "dateRanges": [
                {"startDate": s, "endDate": e} for s, e in date_ranges or [("yesterday", "today")]
            ],
            "dimensions": [{"name": n} for n in dimensions or []],
            "metrics": [{"name": n} for n in metrics],
            "returnPropertyQuota": return_property_quota,
        }
        if limit is not None:
            body["limit"] = limit
        try:
            result = self._report_call(body, self.access_token())
        except AuthRejected as exc:
            if exc.vendor_status != 401:
                raise
            result = self._report_call(body, self.access_token(fresh=True))
        return self._report(result.json())

    def _report_call(self, body: dict, token: str) -> HttpResult:
        return self.gateway.request(
            "POST",
            self.url(f"v1beta/properties/{self.property_id}:runReport"),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            json=body,
            idempotent=True,  # a report is a read
            check=_check_report,
            describe=describe_error,
        )

    def _report(self, payload: dict) -> Report:
        names = [h["name"] for h in payload.get("dimensionHeaders", [])]
        names += [h["name"] for h in payload.get("metricHeaders", [])]
        rows = []
        for row in payload.get("rows", []):  # absent for an empty report
            values = [
                v["value"] for v in row.get("dimensionValues", []) + row.get("metricValues", [])
            ]
            rows.append(dict(zip(names, values, strict=False)))
        quota = payload.get("propertyQuota") or {}
        if quota:
            self.gateway.note_rate_limit(
                {"source": "ga4_property_quota", "quota": quota}, quota_headroom(quota)
            )
        return Report(rows, int(payload.get("rowCount", 0)), payload.get("metadata", {}), quota)


def quota_headroom(quota: dict[str, Any]) -> float | None:
    """The smallest share left over GA4's quotas (ceilings grow for 360 properties)."""
    shares = []
    for name, status in quota.items():
        remaining = (status or {}).get("remaining")
        if remaining is None:
            continue
        ceiling = max(QUOTA_CEILINGS.get(name, 0), remaining + (status.get("consumed") or 0))
        if ceiling > 0:
            shares.append(remaining / ceiling)
    return min(shares) if shares else None


def _check_report(result: HttpResult) -> None:
    payload = result.json()
    if not isinstance(payload, dict) or "metricHeaders" not in payload:
        raise ContractBroken("runReport answer has no metricHeaders", vendor_status=result.status)


def describe_error(result: HttpResult) -> str:
    """google.rpc.Status `STATUS: message`, or OAuth's `error: error_description`."""
    try:
        body = result.json()
    except ContractBroken:
        return " ".join(result.text.split())[:200]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return f"{error.get('status', error.get('code'))}: {error.get('message', '')}"[:300]
    if error:
        return f"{error}: {body.get('error_description', '')}"[:300]
    return str(body)[:200]
