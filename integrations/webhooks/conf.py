"""Tunables of the webhook pipeline, overridable in settings as `WEBHOOK_<NAME>`."""

from __future__ import annotations

from hotdash.knobs import Knobs

DEFAULTS: dict[str, object] = {
    # Largest body read (bytes). Shopify order payloads with many lines stay well below.
    "MAX_BODY_BYTES": 1024 * 1024,
    # A `received` event whose job has not started after this many seconds was lost.
    "LOST_AFTER_S": 60,
    # How long a worker's claim on an event lasts; longer than django-q2's task timeout
    # (300 s), so a slow but live worker is never overtaken.
    "CLAIM_S": 360,
    # Processing attempts before an event is left `failed` for a person to replay.
    "MAX_ATTEMPTS": 5,
    # Back-off before retry n (seconds): base * 2**(n-1), capped.
    "RETRY_BASE_S": 30,
    "RETRY_MAX_S": 1800,
    # Freshness: the usual interval is the median gap over this many recent events.
    "FRESHNESS_SAMPLE": 50,
    # A Shopify delivery whose X-Shopify-Triggered-At is older than this is refused as a
    # replay (401 stale_trigger). Shopify retries a failed delivery 8 times over 4 hours
    # with the original payload and trigger time (vendor-contracts.md §2), so the window
    # is twice that span: no retry of Shopify's own is ever refused.
    "SHOPIFY_TRIGGER_MAX_AGE_S": 8 * 3600,
    # ... and one triggered more than this far in the future (clock skew) likewise.
    "SHOPIFY_TRIGGER_MAX_AHEAD_S": 300,
    # Refused deliveries are counted per fixed window of this many seconds
    # (integrations/webhooks/rejections.py) ...
    "REJECTION_WINDOW_S": 300,
    # ... and an address refused more than this many times in one window is answered
    # 429 + Retry-After for its unauthenticated deliveries until the window ends.
    "REJECTION_LIMIT": 30,
    # Counter rows of a window whose first refusal is audited one by one; the next row
    # writes one `overflow` audit event, later rows none (≤ this + 1 events per window).
    "REJECTION_AUDITED_KEYS": 10,
    # Processed/ignored events (and rejection counters) are pruned after this many days.
    "RETENTION_DAYS": 14,
    # The Chatwoot integration whose config may allow unsigned deliveries.
    "CHATWOOT_INTEGRATION": "chatwoot",
    # The Chatwoot integration a gold reply is offered through.
    "GOLD_REPLY_INTEGRATION": "chatwoot",
    "GOLD_REPLY_SUPABASE": "supabase",
}


knob = Knobs("WEBHOOK_", DEFAULTS)
