"""The LlamaIndex RAG service (HotDash's own FastAPI service).

`GET /health` needs no token; `POST /tools/{name}` takes a JSON object of
arguments with `Authorization: Bearer <token>`. Errors use FastAPI's
`{"detail": ...}` shape (422 for bad arguments).
"""

from __future__ import annotations

from typing import Any

from integrations.http import ContractBroken, HttpResult

from .base import VendorClient


class LlamaIndexClient(VendorClient):
    def health(self) -> dict[str, Any]:
        """The health body; raises ContractBroken unless `status` is `ok`."""
        return self.gateway.request("GET", self.url("health"), check=_check_health).json()

    def call_tool(
        self, name: str, arguments: dict | None = None, *, read_only: bool = False
    ) -> Any:
        """Run tool `name`; `read_only` tools (query_support) may be retried."""
        result = self.gateway.request(
            "POST",
            self.url(f"tools/{name}"),
            headers={"Authorization": f"Bearer {self.credentials.get('token', '')}"},
            json=arguments or {},
            idempotent=read_only,
            check=lambda r: r.json(),
            describe=describe_error,
        )
        return result.json()


def _check_health(result: HttpResult) -> None:
    status = result.json().get("status")
    if status != "ok":
        raise ContractBroken(f"LlamaIndex health says {status!r}", vendor_status=result.status)


def describe_error(result: HttpResult) -> str:
    try:
        detail = result.json().get("detail")
    except (ContractBroken, AttributeError):
        return " ".join(result.text.split())[:200]
    if isinstance(detail, list):
        detail = "; ".join(
            f"{'.'.join(map(str, d.get('loc', [])))}: {d.get('msg')}" for d in detail
        )
    return str(detail)[:200]
