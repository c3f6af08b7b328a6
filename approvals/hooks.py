"""Listeners told when an approval request is decided, expires or finishes executing.

Apps that link requests to their own records (monitoring: an incident's timeline)
subscribe from their AppConfig.ready(); governance stays unaware of them. A failing
listener is logged and never undoes the transition that called it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger("approvals.hooks")

Listener = Callable[..., None]  # listener(request, event, detail)
_listeners: list[Listener] = []


def on_request_event(listener: Listener) -> Listener:
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def request_event(request, event: str, detail: str = "") -> None:
    """Tell every listener; `event` is e.g. `approve`, `reject`, `expired`, `succeeded`."""
    for listener in list(_listeners):
        try:
            listener(request, event, detail)
        except Exception:  # a listener's bug must not break governance
            logger.exception("listener %r failed on request #%s %s", listener, request.pk, event)
