"""The one client of the sandbox's control API (`/_control/…`, docs/sandbox.md).

Used by `manage.py sandbox_fault`, the console's sandbox page, the tests'
fixtures and the benchmarks. Standard library only, like the rest of the
sandbox; the sandbox is local, so proxies from the environment are ignored.

    client = SandboxClient("http://127.0.0.1:8765")
    client.set_faults("ga4", throttle=True)      PATCH  /_control/faults/ga4
    client.replace_faults("ga4", latency_ms=5)   PUT    /_control/faults/ga4
    client.faults("ga4") / client.faults()       GET    /_control/faults[/ga4]
    client.clear_faults("ga4")                   DELETE /_control/faults/ga4
    client.reset()                               POST   /_control/reset
    client.state(), client.health()              GET    /_control/state, /_control/health
    client.slack_messages(), client.chatwoot_messages()
    client.deliver_webhook(vendor=…, topic=…, target_url=…, secret=…)

Every call raises SandboxUnreachable when the sandbox does not answer (or does
not answer JSON) and SandboxRefused, with the sandbox's own `detail`, `error`
code and offending `field`, when it answers 4xx or 5xx.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote

DEFAULT_URL = "http://127.0.0.1:8765"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class SandboxError(Exception):
    """Base of the client's errors; `detail` is one human line."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class SandboxUnreachable(SandboxError):
    """No answer (refused, timed out, reset) or an answer that is not JSON."""


class SandboxRefused(SandboxError):
    """The sandbox answered with an error: `status`, its `error` code and `field`."""

    def __init__(self, detail: str, *, status: int, error: str = "", field: str | None = None):
        super().__init__(detail)
        self.status, self.error, self.field = status, error, field


class SandboxClient:
    def __init__(self, url: str = DEFAULT_URL, *, timeout: float = 10.0):
        self.base_url = url.rstrip("/")
        self.timeout = timeout

    @property
    def url(self) -> str:
        return self.base_url

    def vendor_url(self, prefix: str) -> str:
        """Base URL of one vendor, e.g. `vendor_url("mcp/github")`."""
        return f"{self.base_url}/{prefix.strip('/')}"

    # -- faults --------------------------------------------------------------------

    def faults(self, key: str | None = None) -> dict:
        """One key's effective settings, or (no key) {key: settings} for every key."""
        path = f"faults/{_key(key)}" if key else "faults"
        return self.call("GET", path)["faults"]

    def set_faults(self, key: str, **settings: Any) -> dict:
        """Merge `settings` into the key's faults (PATCH); returns the settings after it."""
        return self.call("PATCH", f"faults/{_key(key)}", settings)["faults"]

    def replace_faults(self, key: str, **settings: Any) -> dict:
        """Replace the key's faults (PUT): settings not given return to their defaults."""
        return self.call("PUT", f"faults/{_key(key)}", settings)["faults"]

    def clear_faults(self, key: str) -> dict:
        return self.call("DELETE", f"faults/{_key(key)}")["faults"]

    def reset(self) -> dict:
        """Clear every fault, bucket, quota, session, job and recording."""
        return self.call("POST", "reset")

    # -- what the sandbox saw --------------------------------------------------------

    def health(self) -> dict:
        return self.call("GET", "health")

    def state(self) -> dict:
        return self.call("GET", "state")

    def slack_messages(self) -> list[dict]:
        return self.call("GET", "slack/messages")["messages"]

    def chatwoot_messages(self) -> list[dict]:
        return self.call("GET", "chatwoot/messages")["messages"]

    def deliver_webhook(self, **spec: Any) -> dict:
        """Make the sandbox send a signed webhook (`POST /_control/webhooks/deliver`)."""
        return self.call("POST", "webhooks/deliver", spec)

    # -- the wire ------------------------------------------------------------------

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        """One control-API call; the answer's JSON. Raises SandboxUnreachable, SandboxRefused."""
        request = urllib.request.Request(
            f"{self.base_url}/_control/{path}",
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                return self._json(response.read())
        except urllib.error.HTTPError as exc:
            raise self._refused(exc) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise SandboxUnreachable(
                f"The sandbox at {self.base_url} did not answer: {reason}"
            ) from None

    def _json(self, raw: bytes) -> dict:
        try:
            return json.loads(raw)
        except ValueError:
            raise SandboxUnreachable(
                f"The sandbox at {self.base_url} did not answer JSON."
            ) from None

    @staticmethod
    def _refused(exc: urllib.error.HTTPError) -> SandboxRefused:
        try:
            data = json.loads(exc.read())
        except (ValueError, OSError):
            data = None
        data = data if isinstance(data, dict) else {}
        return SandboxRefused(
            str(data.get("detail") or f"The sandbox answered HTTP {exc.code}."),
            status=exc.code,
            error=str(data.get("error") or ""),
            field=data.get("field"),
        )


def _key(key: str) -> str:
    return quote(key, safe="/")
