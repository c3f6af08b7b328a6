"""The three inbound webhook endpoints: plain Django views (no DRF, no session, no CSRF).

Every answer is JSON; errors are `{"code", "detail"}`. Status codes:
202 stored (accepted or ignored), 200 duplicate, 400 malformed or unstorable,
401 not authenticated, 413 too large (each refusal counted, the first of its kind
per window audited as `webhook.rejected`: rejections.py), 429 for an address over
the limit of refused deliveries, 405 wrong method, 503 when storing failed (the
vendor retries). Never a 500: a 5xx other than
503 would only make the vendor retry the same thing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from integrations.webhooks import receivers
from integrations.webhooks.intake import Refusal, body_read
from integrations.webhooks.rejections import rejection_note
from integrations.webhooks.signatures import Rejected

logger = logging.getLogger("integrations.webhooks")

Receiver = Callable[..., tuple[int, dict]]
# Refusals that may become 429: the sender was not authenticated (413 comes before).
UNAUTHENTICATED = {401, 413}


def error(status: int, code: str, detail: str, **extra) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail, **extra}, status=status)


def webhook_view(source: str, receive: Receiver):
    """A POST-only view that reads the capped body once and hands it to `receive`."""

    @csrf_exempt
    def view(request):
        if request.method != "POST":
            response = error(405, "method_not_allowed", "Use POST.")
            response["Allow"] = "POST"
            return response
        body = b""
        try:
            body = body_read(request)
            status, payload = receive(request, body)
            return JsonResponse(payload, status=status)
        except Rejected as rejected:
            return refused(source, rejected, request, len(body), status=401)
        except Refusal as refusal:
            return refused(source, refusal, request, len(body), status=refusal.status)
        except Exception:  # the database or a bug: the vendor will retry on a 503
            logger.exception("%s webhook could not be stored", source)
            return error(503, "unavailable", "The delivery could not be stored; retry later.")

    view.__name__ = f"{source}_webhook"
    return view


def refused(source: str, refusal, request, body_bytes: int, *, status: int) -> JsonResponse:
    """Count the refusal (rejections.py) and answer it: 429 with Retry-After when its
    address is over the limit and the sender is not authenticated (401, 413); an
    authenticated sender's 400 is always answered as such."""
    verdict = rejection_note(source=source, refusal=refusal, request=request, body_bytes=body_bytes)
    if verdict.limited and status in UNAUTHENTICATED:
        response = error(
            429, "rate_limited", "Too many refused deliveries from this address; retry later."
        )
        response["Retry-After"] = str(verdict.retry_after_s)
        return response
    return error(status, refusal.code, refusal.detail, **getattr(refusal, "extra", {}))


shopify_webhook = webhook_view("shopify", receivers.shopify_receive)
chatwoot_webhook = webhook_view("chatwoot", receivers.chatwoot_receive)
gold_reply_webhook = webhook_view("gold_replies", receivers.gold_reply_receive)
