"""Refused deliveries are counted, audited once per window, and rate-limited (issue 14, item 7).

    rejection_note(source=, refusal=, request=, body_bytes=) -> Verdict
    rejections_prune(now=)                                  -> rows deleted

Before, every refused delivery appended one audit event: anonymous forgers wrote
4,847 undeletable rows in 20 s from 8 clients, each append holding the audit
chain's lock. Now, per fixed window of REJECTION_WINDOW_S (5 minutes):

1. Every refusal adds one to its `WebhookRejection` row, keyed by (window, address,
   source, reason): one `INSERT … ON CONFLICT DO UPDATE SET count = count + 1
   RETURNING count`, atomic on PostgreSQL and SQLite, so the counts add up exactly
   whatever the concurrency. The address is the client's (hotdash.proxies: behind the
   deployment's TRUSTED_PROXIES, the sender, not the proxy); an IPv6 address counts as
   its /64 (one subscriber's allocation), an IPv4-mapped one as the IPv4 address.
2. The first refusal of a row appends one `webhook.rejected` audit event, but only
   for the first REJECTION_AUDITED_KEYS rows of the window; the next row appends one
   `overflow` event instead, and later rows none. Each row sees at least its own
   rank among the window's rows (it counts after its insert committed), so at most
   REJECTION_AUDITED_KEYS + 1 audit events are written per window, however many
   addresses attack: ≤ 11 per 5 minutes, ≤ 3,168 a day by default.
3. An address with more than REJECTION_LIMIT refusals in the window (all sources and
   reasons together) is answered 429 with Retry-After (the seconds left in the
   window) instead of 401 or 413. Only unauthenticated refusals become 429: a
   delivery whose signature verifies is never limited, so a forger sharing Shopify's
   egress addresses cannot starve Shopify's real deliveries.

The counters are in the database, not Django's cache: no CACHES is configured, so
the cache is each process's own memory, and gunicorn's workers would each count
apart; Redis is optional in this deployment (the ORM broker works without it). A
refused delivery costs one upsert and one indexed sum, less than the audit append it
replaces. Counting never raises: a database failure is logged and the refusal is
answered as if nothing had been counted.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from hotdash.proxies import client_ip
from integrations.webhooks.conf import knob
from integrations.webhooks.models import WebhookRejection

logger = logging.getLogger("integrations.webhooks")

COLUMNS = ("window_start", "address", "source", "reason", "count", "first_at", "last_at")
UNKNOWN_ADDRESS = "unknown"


@dataclass(frozen=True)
class Verdict:
    """What counting one refusal decided: the address's refusals in this window so far,
    whether it is over the limit, and the seconds until the window ends."""

    total: int = 0
    limited: bool = False
    retry_after_s: int = 0


def rejection_note(*, source: str, refusal, request, body_bytes: int, now=None) -> Verdict:
    """Count one refused delivery; audit it if it is the first of its row and the window
    still has audit room; returns the Verdict (never raises)."""
    now = now or timezone.now()
    window = window_start(now)
    address = address_key(client_ip(request))
    try:
        count = _count_one(window, address, source, refusal.code, now)
        if count == 1:
            _audit_first(window, address, source, refusal, request, body_bytes)
        total = count if count > knob("REJECTION_LIMIT") else _address_total(window, address)
    except Exception:
        logger.exception("webhook rejection from %s could not be counted", source)
        return Verdict()
    end = window + timedelta(seconds=knob("REJECTION_WINDOW_S"))
    retry_after = max(1, math.ceil((end - now).total_seconds()))
    return Verdict(total, total > knob("REJECTION_LIMIT"), retry_after)


def window_start(now: datetime) -> datetime:
    """The start of the fixed window holding `now` (windows start at multiples of the width)."""
    width = knob("REJECTION_WINDOW_S")
    return datetime.fromtimestamp(now.timestamp() // width * width, tz=UTC)


def address_key(raw: str | None) -> str:
    """An address as counted: IPv4 as is, IPv4-mapped IPv6 as IPv4, other IPv6 as its /64."""
    try:
        address = ipaddress.ip_address((raw or "").strip())
    except ValueError:
        return UNKNOWN_ADDRESS
    if address.version == 6 and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _count_one(window, address: str, source: str, reason: str, now) -> int:
    """Add one to the row of (window, address, source, reason); returns its new count."""
    values = {
        "window_start": window,
        "address": address,
        "source": source,
        "reason": reason[:40],
        "count": 1,
        "first_at": now,
        "last_at": now,
    }
    if connection.vendor not in ("postgresql", "sqlite"):
        return _count_with_orm(values)
    params = [
        WebhookRejection._meta.get_field(name).get_db_prep_save(values[name], connection)
        for name in COLUMNS
    ]
    with connection.cursor() as cursor:
        cursor.execute(_upsert(connection.vendor), params)
        return cursor.fetchone()[0]


@functools.cache
def _upsert(vendor: str) -> str:
    quote = connection.ops.quote_name
    table = quote(WebhookRejection._meta.db_table)
    count, last = quote("count"), quote("last_at")
    return (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * len(COLUMNS))}) "
        f"ON CONFLICT ({', '.join(quote(c) for c in COLUMNS[:4])}) "
        f"DO UPDATE SET {count} = {table}.{count} + 1, {last} = EXCLUDED.{last} "
        f"RETURNING {count}"
    )


def _count_with_orm(values: dict) -> int:
    from django.db import transaction
    from django.db.models import F

    key = {name: values[name] for name in COLUMNS[:4]}
    with transaction.atomic():
        row, created = WebhookRejection.objects.select_for_update().get_or_create(
            **key, defaults=values
        )
        if not created:
            WebhookRejection.objects.filter(pk=row.pk).update(
                count=F("count") + 1, last_at=values["last_at"]
            )
            row.refresh_from_db(fields=["count"])
    return row.count


def _address_total(window, address: str) -> int:
    rows = WebhookRejection.objects.filter(window_start=window, address=address)
    return rows.aggregate(total=Sum("count"))["total"] or 0


def _audit_first(window, address, source, refusal, request, body_bytes) -> None:
    """Audit the first refusal of a new row while the window has room (module docstring)."""
    from integrations.webhooks.intake import webhook_rejection_audit

    rank = WebhookRejection.objects.filter(window_start=window).count()
    room = knob("REJECTION_AUDITED_KEYS")
    if rank > room + 1:
        return
    webhook_rejection_audit(
        source=source,
        refusal=refusal,
        request=request,
        body_bytes=body_bytes,
        window={"start": window.isoformat(), "seconds": knob("REJECTION_WINDOW_S")},
        address=address,
        overflow=rank == room + 1,
    )


def rejections_prune(*, now=None) -> int:
    """Delete counter rows of windows older than RETENTION_DAYS; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=knob("RETENTION_DAYS"))
    deleted, _ = WebhookRejection.objects.filter(window_start__lt=cutoff).delete()
    return deleted
