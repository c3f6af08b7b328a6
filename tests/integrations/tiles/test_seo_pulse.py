"""SEO Pulse against the sandbox: 28 days of organic sessions, landing pages, unvisited products."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from integrations.tiles.selectors import tile_read
from integrations.tiles.seo_pulse import product_handle
from integrations.tiles.services import tiles_refresh
from sandbox import data
from tests.integrations.tiles.conftest import NOW, STORE_TZ

pytestmark = pytest.mark.django_db
ORGANIC = "Organic Search"


@pytest.fixture
def tile(store):
    assert tiles_refresh(keys=["seo_pulse"], now=NOW) == {"seo_pulse": "ok"}
    return tile_read("seo_pulse")["data"]


@pytest.fixture
def window():
    today = NOW.astimezone(STORE_TZ).date()
    return [today - timedelta(days=n) for n in range(28, 0, -1)]


def organic_facts(day, seed):
    return [f for f in data.facts_for_day(day, seed, NOW) if f.dims[1] == ORGANIC]


def test_seo_pulse__trend__organic_sessions_per_day_for_28_complete_days(
    tile, window, frozen_sandbox
):
    daily = [
        int(sum(f.metrics["sessions"] for f in organic_facts(day, frozen_sandbox.seed)))
        for day in window
    ]
    assert tile["period"] == {"start": window[0].isoformat(), "end": window[-1].isoformat()}
    assert [p["date"] for p in tile["trend"]] == [d.isoformat() for d in window]
    assert [p["sessions"] for p in tile["trend"]] == daily
    assert tile["organic_sessions"]["total"] == sum(daily)
    assert tile["organic_sessions"]["last_7_days"] == sum(daily[-7:])
    assert tile["organic_sessions"]["previous_7_days"] == sum(daily[-14:-7])


def organic_pages(window, seed) -> Counter:
    pages = Counter()
    for day in window:
        for fact in organic_facts(day, seed):
            pages[fact.dims[2]] += int(fact.metrics["sessions"])
    return pages


def test_seo_pulse__top_landing_pages__by_organic_sessions(tile, window, frozen_sandbox):
    pages = organic_pages(window, frozen_sandbox.seed)
    top = sorted(pages.items(), key=lambda item: (-item[1], item[0]))[:10]
    assert tile["top_landing_pages"] == [{"page": p, "sessions": n} for p, n in top]


def test_seo_pulse__products_without_organic_traffic__match_product_landing_pages(
    tile, window, frozen_sandbox
):
    products = sorted(data.catalog(frozen_sandbox.seed), key=lambda p: (p.title, p.id))
    pages = organic_pages(window, frozen_sandbox.seed)
    landed = {
        page.split("/products/")[1] for page, n in pages.items() if "/products/" in page and n
    }
    missing = [p for p in products if p.handle not in landed]
    found = tile["products_without_organic_traffic"]
    assert (found["count"], found["of_products"]) == (len(missing), len(products))
    assert [item["handle"] for item in found["items"]] == [p.handle for p in missing][:20]


@pytest.mark.parametrize(
    ("page", "handle"),
    [
        ("/products/ptfe-hose", "ptfe-hose"),
        ("/collections/hose/products/PTFE-Hose/?variant=1", "ptfe-hose"),
        ("/collections/fuel-pumps", None),
        ("/products/", None),
    ],
)
def test_product_handle__landing_page_paths(page, handle):
    assert product_handle(page) == handle
