"""One way to read an app's tunables: `settings.<PREFIX><NAME>`, else the app's default.

A leaf module of `hotdash` (it imports no app), so any app may use it:

    knob = Knobs("WEBHOOK_", DEFAULTS)
    knob("MAX_ATTEMPTS")

A setting given as a number where the default is a `timedelta` is read as seconds,
so `APPROVALS_LOST_JOB_AFTER = 90` means 90 seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings


class Knobs:
    """Callable reader of the settings named `prefix + name`, falling back to `defaults`."""

    def __init__(self, prefix: str, defaults: Mapping[str, Any]):
        self.prefix = prefix
        self.defaults = defaults

    def __call__(self, name: str) -> Any:
        """The setting's value (converted to the default's type where that is a timedelta);
        raises KeyError for a name that has no default."""
        default = self.defaults[name]
        value = getattr(settings, f"{self.prefix}{name}", default)
        if isinstance(default, timedelta) and isinstance(value, int | float):
            return timedelta(seconds=value)
        return value


def knob(prefix: str, defaults: Mapping[str, Any], name: str) -> Any:
    """`Knobs(prefix, defaults)(name)`, for a one-off read."""
    return Knobs(prefix, defaults)(name)
