"""Slack incoming webhooks.

Quirks (docs.slack.dev messaging/incoming webhooks; api.slack.com/changelog/
2016-05-17-changes-to-errors-for-incoming-webhooks):
- The webhook URL *is* the credential; success is the plain-text body `ok`,
  errors are plain-text strings (`invalid_payload`, `no_service`, …).
- `429` with `Retry-After` at about one message per second per webhook.
- Health without posting: send an unparseable body; `400 invalid_payload`
  means the URL is live, `404 no_service` means it is revoked (the
  trufflehog detector's technique, pkg/detectors/slackwebhook).
"""

from __future__ import annotations

from integrations.http import AuthRejected, ConfigInvalid, ContractBroken, HttpResult

from .base import VendorClient

DEAD = {"no_service", "invalid_token", "channel_not_found", "channel_is_archived"}


class SlackWebhookClient(VendorClient):
    @property
    def webhook_url(self) -> str:
        """The credential URL; in live mode it must live under the integration's base URL."""
        url = self.credentials.get("webhook_url", "")
        if self.integration.mode == self.integration.Mode.LIVE:
            base = self.integration.base_url.rstrip("/") + "/"
            if not url.startswith(base):
                raise ConfigInvalid(f"{self.integration.slug}: webhook URL is not under {base}")
        return url

    def post(self, text: str, blocks: list[dict] | None = None) -> None:
        """Post a message; `text` is the fallback when `blocks` are given. Never retried."""
        payload: dict = {"text": text}
        if blocks:
            payload["blocks"] = blocks
        self.gateway.request(
            "POST", self.webhook_url, json=payload, check=_check_ok, describe=_text
        )

    def check_alive(self) -> str:
        """The invalid-payload probe: returns `invalid_payload` when the hook is live.

        Raises AuthRejected for a revoked or dead hook (404 no_service, 403
        invalid_token, …), Throttled for a 429, ContractBroken for anything else.
        """
        result = self.gateway.request(
            "POST",
            self.webhook_url,
            data=b"{",
            headers={"Content-Type": "application/json"},
            expect={400, 403, 404, 410},
            describe=_text,
            idempotent=True,  # an unparseable body is never posted
        )
        answer = _text(result)
        if result.status == 400 and answer == "invalid_payload":
            return answer
        if answer in DEAD or result.status in (403, 404, 410):
            raise AuthRejected(
                f"Slack webhook is dead: {result.status} {answer}", vendor_status=result.status
            )
        raise ContractBroken(
            f"unexpected Slack answer {result.status} {answer}", vendor_status=result.status
        )


def _check_ok(result: HttpResult) -> None:
    if _text(result) != "ok":
        raise ContractBroken(
            f"Slack answered {_text(result)!r}, not 'ok'", vendor_status=result.status
        )


def _text(result: HttpResult) -> str:
    return " ".join(result.text.split())[:200]
