"""Counters that never fall, read from tables that are pruned.

Probe results, webhook events and rejection counters are deleted after their retention, so
counting the rows would make a `_total` counter fall. A tally keeps, in one `SignalState`
row, the counts of every row placed before `through` (a whole hour), and the scrape adds the
rows placed since:

    value = stored counts (rows before `through`) + COUNT(rows at or after `through`)

Once an hour the scrape folds the rows between the old and the new `through` into the stored
counts, under a row lock, so several web nodes scraping at once never fold twice. Folding
moves counts from the live part to the stored part, so the sum does not change. It holds
as long as:
- no row is later placed before `through`, and a row's grouped fields no longer change,
  once it is `settle` old (a probe is stored seconds after it started; a notification ends
  within a day);
- the rows since `through` are still there, that is, someone scrapes more often than the
  table's retention (days). A tally left unscraped for longer than that starts again from
  the rows that are left, which Prometheus reads as a counter reset.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from monitoring.models import SignalState
from monitoring.rollups import floor_hour

Key = tuple[str, ...]


def _same(values: tuple) -> Key:
    return tuple(str(v) for v in values)


@dataclass(frozen=True)
class Tally:
    """One counter family's source.

    key:    the SignalState row that keeps it (`metrics.<name>`);
    rows:   the rows counted (a callable, so the queryset is built at read time);
    at:     the time field that places a row before or after `through`;
    by:     the fields grouped by; `labels` turns their values into label values (bounded);
    amount: a field to sum instead of counting rows (a counter row's `count`);
    settle: how old a row must be before it can no longer change (see the module).
    """

    key: str
    rows: Callable[[], QuerySet]
    at: str
    by: tuple[str, ...]
    settle: timedelta
    amount: str | None = None
    labels: Callable[[tuple], Key] = _same


def tally_read(tally: Tally, *, now: datetime | None = None) -> dict[Key, int]:
    """{label values: count} for every group ever counted. Two queries, plus a fold (two
    more and a write) the first time it is read in a new hour."""
    now = now or timezone.now()
    through = floor_hour(now - tally.settle)
    data = SignalState.objects.filter(key=tally.key).values_list("data", flat=True).first()
    if _through(data) is None or _through(data) < through:
        data = _fold(tally, through)
    counts = Counter(_decode(data.get("counts", {})))
    counts.update(_grouped(tally, since=_through(data)))
    return dict(counts)


def _fold(tally: Tally, through: datetime) -> dict:
    with transaction.atomic():
        state, _ = SignalState.objects.select_for_update().get_or_create(
            key=tally.key, defaults={"data": {}}
        )
        since = _through(state.data)
        if since is not None and since >= through:
            return state.data  # another scrape folded first
        counts = Counter(_decode((state.data or {}).get("counts", {})))
        counts.update(_grouped(tally, since=since, until=through))
        data = {"through": through.isoformat(), "counts": _encode(counts)}
        SignalState.objects.filter(pk=state.pk).update(data=data, updated_at=timezone.now())
        return data


def _grouped(tally: Tally, *, since: datetime | None, until: datetime | None = None) -> Counter:
    rows = tally.rows()
    if since is not None:
        rows = rows.filter(**{f"{tally.at}__gte": since})
    if until is not None:
        rows = rows.filter(**{f"{tally.at}__lt": until})
    measure = Sum(tally.amount) if tally.amount else Count("pk")
    counts: Counter = Counter()
    for *values, n in rows.order_by().values_list(*tally.by).annotate(n=measure):
        counts[tally.labels(tuple(values))] += n or 0
    return counts


def _through(data: dict | None) -> datetime | None:
    value = (data or {}).get("through")
    return parse_datetime(value) if value else None


def _encode(counts: Counter) -> dict[str, int]:
    return {json.dumps(list(key)): n for key, n in sorted(counts.items())}


def _decode(stored: dict[str, int]) -> dict[Key, int]:
    return {tuple(json.loads(key)): n for key, n in stored.items()}
