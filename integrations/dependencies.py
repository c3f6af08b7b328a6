"""The dependency graph between integrations (`depends_on`), read in one query.

upstream(slug)   what it depends on, transitively
affected(slug)   what an outage of it affects, transitively
cycle_through(integration, proposed)   the cycle a change would make, or None
"""

from __future__ import annotations

from collections import defaultdict, deque

from integrations.models import Integration

Edges = dict[int, set[int]]


def edges() -> tuple[Edges, Edges]:
    """(depends_on, dependants) adjacency by integration id."""
    down: Edges = defaultdict(set)
    up: Edges = defaultdict(set)
    through = Integration.depends_on.through.objects.values_list(
        "from_integration_id", "to_integration_id"
    )
    for source, target in through:
        down[source].add(target)
        up[target].add(source)
    return down, up


def walk(start: int, adjacency: Edges) -> list[int]:
    """Ids reachable from `start` (excluded), nearest first."""
    seen, order, queue = {start}, [], deque([start])
    while queue:
        for nxt in sorted(adjacency.get(queue.popleft(), ())):
            if nxt not in seen:
                seen.add(nxt)
                order.append(nxt)
                queue.append(nxt)
    return order


def upstream_ids(integration_id: int) -> list[int]:
    return walk(integration_id, edges()[0])


def affected_ids(integration_id: int) -> list[int]:
    return walk(integration_id, edges()[1])


def cycle_through(integration_id: int | None, proposed: list[int]) -> list[int] | None:
    """If `integration_id` depended on `proposed`, the cycle it would close, else None.

    Returns the path [integration, …, integration] for a clear error message.
    """
    if integration_id is None:
        return None
    down, _ = edges()
    down[integration_id] = set(proposed)
    parents: dict[int, int] = {}
    queue = deque(proposed)
    for first in proposed:
        parents.setdefault(first, integration_id)
    seen = set(proposed)
    while queue:
        node = queue.popleft()
        if node == integration_id:
            return _path(parents, integration_id)
        for nxt in down.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                parents[nxt] = node
                queue.append(nxt)
    return None


def _path(parents: dict[int, int], origin: int) -> list[int]:
    path, node = [origin], parents[origin]
    while node != origin:
        path.append(node)
        node = parents[node]
    path.append(origin)
    return list(reversed(path))
