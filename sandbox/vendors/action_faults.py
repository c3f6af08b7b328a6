"""Faults aimed at one state-changing call of a platform API (Fly restart, Supabase restore).

The generic `outage` fault takes the whole vendor down, reads included. Recovery
actions read before they write, and an unknown outcome is only interesting when
the write itself loses its answer, so the platform vendors take a setting
(`restart_fault`, `restore_fault`) with one of:

| value | effect on the write |
|---|---|
| `none` | answered normally |
| `hang_before` / `reset_before` | no answer (hang for `hang_ms`, or a TCP reset), and nothing done |
| `hang_after` / `reset_after` | the change is made, then the answer is lost the same way |
"""

from __future__ import annotations

from ..faults import Field
from ..wire import Request, Response

CHOICES = ("none", "hang_before", "reset_before", "hang_after", "reset_after")


def field() -> Field:
    return Field("str", "none", choices=CHOICES)


def lost_answer(req: Request, setting: str, *, done: bool) -> Response | None:
    """The no-answer Response the write's fault calls for at this point, or None.

    `done` says whether the change has been made yet: `*_before` faults fire
    while it has not, `*_after` faults once it has.
    """
    value = req.settings.get(setting, "none")
    if value == "none" or value.endswith("_after") != done:
        return None
    action = value.split("_", 1)[0]
    return Response(0, action=action, hang_s=req.settings["hang_ms"] / 1000)
