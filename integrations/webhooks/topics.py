"""What each webhook topic does when processed.

Payloads are hints: a Shopify or Chatwoot event only says "this changed", and
processing re-reads the vendor (through the tiles, which read the vendor
clients) rather than trusting the body (Shopify retries with the original
payload for up to 4 hours, so a body may be stale: vendor-contracts.md §2).

Two kinds of handler:
- `refetch`: the event refreshes the tiles that declare it (`Tile.events`, read
  through `integrations.tiles.registry.tiles_for_event`). The tiles are the one
  list of which events refresh what: a tile knows what it is computed from.
- `action`: the event may lead to a live action (e.g. an approval request);
  listed in ACTIONS. Unsigned Chatwoot deliveries may only run `refetch` ones.

A topic that is neither is stored as `ignored` (202).
"""

from __future__ import annotations

from dataclasses import dataclass

from integrations.tiles.registry import tiles_for_event

REFETCH, ACTION = "refetch", "action"


@dataclass(frozen=True)
class Handler:
    kind: str  # REFETCH or ACTION
    tiles: tuple[str, ...] = ()  # tile keys to refresh (REFETCH)
    run: str = ""  # dotted path of a callable(event) -> dict (ACTION)


# (source, topic) -> the action it runs.
ACTIONS: dict[tuple[str, str], Handler] = {
    ("gold_replies", "gold_reply"): Handler(
        ACTION, run="integrations.webhooks.gold.gold_reply_process"
    ),
}


def handler_for(source: str, topic: str) -> Handler | None:
    """The handler of a (source, topic), or None when the topic is not one we act on."""
    action = ACTIONS.get((source, topic))
    if action is not None:
        return action
    keys = tuple(tiles_for_event(source, topic))
    return Handler(REFETCH, keys) if keys else None
