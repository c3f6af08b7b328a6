"""SEO Pulse (GA4 organic search + Shopify products): 28 days of organic search.

Rules:
- The window is the 28 complete store days before today (GA4 dates are read
  in the property's time zone).
- Organic means GA4's `sessionDefaultChannelGroup` "Organic Search"; rows are
  grouped by channel and filtered here, so the request stays a plain runReport.
- A product has organic traffic when a landing page `…/products/{handle}`
  (query string and trailing slash ignored) had organic sessions in the window.
  Products are the shop's active products.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from integrations.tiles.context import TileContext
from integrations.tiles.money import percent_change
from integrations.tiles.registry import Tile, tile_register
from integrations.tiles.shopify_reads import iter_nodes

ORGANIC = "Organic Search"
WINDOW_DAYS = 28
TOP_PAGES = 10
PRODUCTS_SHOWN = 20

PRODUCTS = """
query TileProducts($first: Int!, $after: String, $q: String) {
  products(first: $first, after: $after, query: $q, sortKey: TITLE) {
    nodes { id title handle }
    pageInfo { hasNextPage endCursor }
  }
}"""


def _organic(ctx: TileContext, dimension: str, start: date, end: date) -> Counter:
    """Organic sessions per value of `dimension` over [start, end]."""
    report = ctx.ga4.run_report(
        metrics=["sessions"],
        dimensions=[dimension, "sessionDefaultChannelGroup"],
        date_ranges=[(start.isoformat(), end.isoformat())],
    )
    sessions: Counter = Counter()
    for row in report.rows:
        if row.get("sessionDefaultChannelGroup") == ORGANIC:
            sessions[row[dimension]] += int(row["sessions"])
    return sessions


def product_handle(landing_page: str) -> str | None:
    """`/collections/x/products/hose/?v=1` → `hose`; None for pages that are not products."""
    path = landing_page.split("?", 1)[0].rstrip("/")
    if "/products/" not in path:
        return None
    return path.rsplit("/products/", 1)[1].split("/", 1)[0].lower() or None


def _trend(daily: Counter, start: date) -> tuple[list[dict], dict]:
    days = [start + timedelta(days=n) for n in range(WINDOW_DAYS)]
    trend = [{"date": d.isoformat(), "sessions": daily.get(d.strftime("%Y%m%d"), 0)} for d in days]
    last_7 = sum(point["sessions"] for point in trend[-7:])
    previous_7 = sum(point["sessions"] for point in trend[-14:-7])
    totals = {
        "total": sum(point["sessions"] for point in trend),
        "last_7_days": last_7,
        "previous_7_days": previous_7,
        "change_percent": percent_change(last_7, previous_7),
    }
    return trend, totals


def _products_without_traffic(ctx: TileContext, pages: Counter) -> dict:
    visited = {product_handle(page) for page, sessions in pages.items() if sessions > 0}
    products = list(
        iter_nodes(
            ctx.shopify, PRODUCTS, "products", variables={"q": "status:active"}, page_size=100
        )
    )
    missing = [p for p in products if p["handle"].lower() not in visited]
    return {
        "count": len(missing),
        "of_products": len(products),
        "items": [
            {"id": p["id"], "title": p["title"], "handle": p["handle"]}
            for p in missing[:PRODUCTS_SHOWN]
        ],
    }


def compute(ctx: TileContext) -> dict:
    end = ctx.today - timedelta(days=1)
    start = ctx.today - timedelta(days=WINDOW_DAYS)
    trend, totals = _trend(_organic(ctx, "date", start, end), start)
    pages = _organic(ctx, "landingPage", start, end)
    top = sorted(pages.items(), key=lambda item: (-item[1], item[0]))[:TOP_PAGES]
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "as_of": ctx.local_now.isoformat(),
        "organic_sessions": totals,
        "trend": trend,
        "top_landing_pages": [{"page": page, "sessions": n} for page, n in top],
        "products_without_organic_traffic": _products_without_traffic(ctx, pages),
    }


TILE = tile_register(
    Tile(
        key="seo_pulse",
        title="SEO Pulse",
        sources=("ga4", "shopify"),
        compute=compute,
        max_age_seconds=3 * 3600,
        refresh_seconds=3600,
        events=("shopify:products/create", "shopify:products/update", "shopify:products/delete"),
        position=30,
    )
)
