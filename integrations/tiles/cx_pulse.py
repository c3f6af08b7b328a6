"""CX Pulse (Chatwoot): the support queue right now and today's first-response time.

Rules:
- open / unassigned / pending come from `GET …/conversations/meta`
  (`unassigned` = open conversations nobody is assigned to).
- Median first-response time: conversations created today (store time zone)
  that have a first reply, `first_reply_created_at - created_at`, in seconds.
  Chatwoot lists conversations by last activity, newest first, so paging stops
  at the first page whose oldest activity is before today.
- Waiting longest: open conversations whose `waiting_since` is set (the
  customer spoke last and nobody answered), oldest first.
Chatwoot conversation fields: developers.chatwoot.com/api-reference/conversations.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from datetime import UTC, datetime

from integrations.clients.chatwoot import ChatwootClient
from integrations.tiles.context import TileContext
from integrations.tiles.registry import Tile, tile_register

PAGE_SIZE = 25  # Chatwoot's fixed page size for the conversations list
MAX_PAGES = 20
WAITING_SHOWN = 5


def _at(unix: int | None) -> datetime | None:
    return datetime.fromtimestamp(int(unix), UTC) if unix else None


def _pages(client: ChatwootClient, status: str) -> Iterator[list[dict]]:
    for page in range(1, MAX_PAGES + 1):
        rows = client.conversations(status=status, page=page)
        if rows:
            yield rows
        if len(rows) < PAGE_SIZE:
            return


def _created_since(client: ChatwootClient, since: datetime) -> Iterator[dict]:
    """Conversations created at or after `since` (pages stop once activity predates it)."""
    for rows in _pages(client, "all"):
        yield from (c for c in rows if _at(c["created_at"]) >= since)
        if min(_at(c["timestamp"]) or since for c in rows) < since:
            return


def _first_responses(ctx: TileContext, client: ChatwootClient) -> dict:
    start, _ = ctx.day_bounds(ctx.today)
    delays, awaiting = [], 0
    for conversation in _created_since(client, start):
        replied = conversation.get("first_reply_created_at")
        if replied:
            delays.append(int(replied) - int(conversation["created_at"]))
        else:
            awaiting += 1
    return {
        "median_first_response_seconds": round(statistics.median(delays)) if delays else None,
        "first_responses_today": len(delays),
        "awaiting_first_response_today": awaiting,
    }


def _waiting_longest(ctx: TileContext, client: ChatwootClient) -> list[dict]:
    waiting = [c for rows in _pages(client, "open") for c in rows if c.get("waiting_since")]
    waiting.sort(key=lambda c: (int(c["waiting_since"]), c["id"]))
    return [_waiting_row(ctx, c) for c in waiting[:WAITING_SHOWN]]


def _waiting_row(ctx: TileContext, conversation: dict) -> dict:
    since = _at(conversation["waiting_since"])
    meta = conversation.get("meta") or {}
    assignee = meta.get("assignee") or {}
    return {
        "id": conversation["id"],
        "contact": (meta.get("sender") or {}).get("name"),
        "inbox": conversation.get("inbox_name") or conversation.get("inbox_id"),
        "assignee": assignee.get("name"),
        "priority": conversation.get("priority"),
        "waiting_since": since.isoformat(),
        "waiting_minutes": int((ctx.now - since).total_seconds() // 60),
    }


def compute(ctx: TileContext) -> dict:
    client = ctx.chatwoot
    open_counts = client.conversation_counts("open")
    pending = client.conversation_counts("pending")["all_count"]
    return {
        "date": ctx.today.isoformat(),
        "time_zone": str(ctx.tz),
        "open": open_counts["all_count"],
        "unassigned": open_counts["unassigned_count"],
        "pending": pending,
        **_first_responses(ctx, client),
        "waiting_longest": _waiting_longest(ctx, client),
    }


TILE = tile_register(
    Tile(
        key="cx_pulse",
        title="CX Pulse",
        sources=("chatwoot",),
        compute=compute,
        max_age_seconds=300,
        refresh_seconds=60,
        events=(
            "chatwoot:conversation_created",
            "chatwoot:conversation_status_changed",
            "chatwoot:conversation_updated",
            "chatwoot:message_created",
        ),
        position=10,
    )
)
