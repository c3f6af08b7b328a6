"""Chatwoot application API client (self-hosted or app.chatwoot.com).

Quirks (vendor-contracts.md §3):
- Auth is the header `api_access_token` — with underscores, which runserver,
  gunicorn ≥ 22 and nginx drop by default on the receiving side; `Authorization:
  Bearer` is not accepted (chatwoot/chatwoot#983).
- `GET /api` needs no auth and answers 200 even when a dependency fails: the
  body's `queue_services` / `data_services` say `ok` or `failing`
  (chatwoot app/controllers/api_controller.rb).
- REST `message_type` is an integer (0 incoming, 1 outgoing, 2 activity, 3 template).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrations.http import ConfigInvalid, ContractBroken, HttpResult

from .base import VendorClient

COUNT_KEYS = ("mine_count", "unassigned_count", "assigned_count", "all_count")


@dataclass(frozen=True)
class ChatwootHealth:
    version: str
    queue_services: str
    data_services: str

    @property
    def ok(self) -> bool:
        return self.queue_services == "ok" and self.data_services == "ok"


class ChatwootClient(VendorClient):
    @property
    def account_id(self) -> int:
        try:
            return int(self.config["account_id"])
        except (KeyError, TypeError, ValueError):
            raise ConfigInvalid(f"{self.integration.slug}: config account_id is missing") from None

    def _account_url(self, path: str) -> str:
        return self.url(f"api/v1/accounts/{self.account_id}/{path.lstrip('/')}")

    def headers(self) -> dict[str, str]:
        return {"api_access_token": self.credentials.get("token", ""), "Accept": "application/json"}

    def health(self) -> ChatwootHealth:
        """`GET /api`. Raises ContractBroken when the body lacks the service fields. The
        fields are scrubbed: they go into the probe's stored message and details."""
        body = self.gateway.request("GET", self.url("api"), check=_check_health).json()
        scrub = self.gateway.scrub
        return ChatwootHealth(
            scrub(body["version"]), scrub(body["queue_services"]), scrub(body["data_services"])
        )

    def conversation_counts(self, status: str = "open") -> dict[str, int]:
        """mine/unassigned/assigned/all counts from `…/conversations/meta` (status may be `all`)."""
        result = self.gateway.request(
            "GET",
            self._account_url("conversations/meta"),
            headers=self.headers(),
            params={"status": status},
            check=_check_meta,
            describe=describe_error,
        )
        meta = result.json()["meta"]
        return {key: int(meta[key]) for key in COUNT_KEYS}

    def conversations(
        self, *, status: str = "open", assignee_type: str = "all", page: int = 1
    ) -> list[dict[str, Any]]:
        """One page (25) of conversations, as Chatwoot returns them."""
        result = self.gateway.request(
            "GET",
            self._account_url("conversations"),
            headers=self.headers(),
            params={"status": status, "assignee_type": assignee_type, "page": page},
            check=_check_page,
            describe=describe_error,
        )
        return list(result.json()["data"]["payload"])

    def send_message(self, conversation_id: int, content: str, *, private: bool = False) -> dict:
        """Post an outgoing message; returns Chatwoot's message object. Never retried."""
        body = {
            "content": content,
            "message_type": "outgoing",
            "private": private,
            "content_type": "text",
            "content_attributes": {},
        }
        result = self.gateway.request(
            "POST",
            self._account_url(f"conversations/{int(conversation_id)}/messages"),
            headers=self.headers(),
            json=body,
            check=lambda r: r.json()["id"],
            describe=describe_error,
        )
        return result.json()


def _check_health(result: HttpResult) -> None:
    body = result.json()
    missing = [k for k in ("version", "queue_services", "data_services") if k not in body]
    if missing:
        raise ContractBroken(
            f"Chatwoot /api lacks {', '.join(missing)}", vendor_status=result.status
        )


def _check_page(result: HttpResult) -> None:
    if not isinstance(result.json()["data"]["payload"], list):
        raise ContractBroken("Chatwoot payload is not a list", vendor_status=result.status)


def _check_meta(result: HttpResult) -> None:
    meta = result.json()["meta"]
    for key in COUNT_KEYS:
        int(meta[key])


def describe_error(result: HttpResult) -> str:
    """Chatwoot's `{"error": "..."}` or `{"errors": [...]}`, else the raw text."""
    try:
        body = result.json()
        text = body.get("error") or "; ".join(map(str, body.get("errors") or []))
    except (ContractBroken, AttributeError):
        text = ""
    return str(text or " ".join(result.text.split()))[:200]
