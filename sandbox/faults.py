"""Thread-safe fault-injection state, one settings dict per vendor key.

Keys are vendor names (`shopify`, `ga4`, …, `mcp`) plus `mcp/{server}` for one
MCP server. A key stores only its *overrides*; `effective(key)` layers them on
the field defaults (and, for `mcp/{server}`, on the `mcp` overrides first).
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_MISSING = object()


class FaultError(ValueError):
    """A bad fault setting. `field` names the offending key (None: the whole body)."""

    def __init__(self, field: str | None, detail: str) -> None:
        super().__init__(detail)
        self.field = field
        self.detail = detail


@dataclass(frozen=True)
class Field:
    """One setting: its type (`bool`, `int`, `float`, `str`, `list`, `dict`), default and bounds."""

    kind: str
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    nullable: bool = False
    check: Callable[[Any], str | None] | None = None  # returns an error text or None

    def validate(self, name: str, value: Any) -> Any:
        """The value, normalised (int → float for `float`). Raises FaultError naming `name`."""
        if value is None and self.nullable:
            return None
        value = self._typed(name, value)
        if self.choices and value not in self.choices:
            raise FaultError(name, f"{name} must be one of {list(self.choices)}, got {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise FaultError(name, f"{name} must be >= {self.minimum}, got {value!r}")
        if self.maximum is not None and value > self.maximum:
            raise FaultError(name, f"{name} must be <= {self.maximum}, got {value!r}")
        problem = self.check(value) if self.check else None
        if problem:
            raise FaultError(name, f"{name}: {problem}")
        return value

    def _typed(self, name: str, value: Any) -> Any:
        if self.kind == "str" and self.choices and type(value) is int:
            value = str(value)  # {"throttle_mode": 429} means "429"
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        ok = {
            "bool": isinstance(value, bool),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "float": is_number and math.isfinite(value),
            "str": isinstance(value, str),
            "list": isinstance(value, list),
            "dict": isinstance(value, dict),
        }[self.kind]
        if not ok:
            raise FaultError(name, f"{name} must be a {self.kind}, got {type(value).__name__}")
        return float(value) if self.kind == "float" else value


COMMON_FIELDS: dict[str, Field] = {
    "latency_ms": Field("int", 0, 0, 60_000),
    "error_rate": Field("float", 0.0, 0.0, 1.0),
    "outage": Field("bool", False),
    "outage_mode": Field("str", "503", choices=("503", "reset", "hang")),
    "hang_ms": Field("int", 30_000, 0, 60_000),
    "throttle": Field("bool", False),
    "malformed": Field("bool", False),
    "wrong_auth": Field("bool", False),
}


class FaultState:
    """Per-key fault overrides plus the seeded RNG that decides `error_rate` rolls."""

    def __init__(self, fields: dict[str, dict[str, Field]], parents: dict[str, str], seed: int):
        """`fields[key]` are the vendor's fields; `parents[child] = parent` for `mcp/{server}`."""
        self._fields = {key: COMMON_FIELDS | extra for key, extra in fields.items()}
        self._fields |= {child: self._fields[parent] for child, parent in parents.items()}
        self._parents = dict(parents)
        self._seed = seed
        self._lock = threading.Lock()
        self._overrides: dict[str, dict[str, Any]] = {}
        self._rng = random.Random(seed)

    @property
    def keys(self) -> list[str]:
        return list(self._fields)

    def effective(self, key: str) -> dict[str, Any]:
        """Every field of `key` with its current value. Raises KeyError for an unknown key."""
        fields = self._fields[key]
        with self._lock:
            merged = {name: f.default for name, f in fields.items()}
            if key in self._parents:
                merged |= self._overrides.get(self._parents[key], {})
            merged |= self._overrides.get(key, {})
        return merged

    def update(self, key: str, values: Any, *, replace: bool = False) -> dict[str, Any]:
        """Validate then merge (PATCH) or replace (PUT) `key`'s overrides; returns `effective`.

        Raises KeyError for an unknown key, FaultError for a bad body or value
        (nothing is changed when any value is bad).
        """
        fields = self._fields[key]
        if not isinstance(values, dict):
            raise FaultError(None, "the body must be a JSON object of fault settings")
        clean = {}
        for name, value in values.items():
            if name not in fields:
                allowed = ", ".join(sorted(fields))
                raise FaultError(name, f"unknown field {name!r} for {key}; allowed: {allowed}")
            clean[name] = fields[name].validate(name, value)
        with self._lock:
            base = {} if replace else self._overrides.get(key, {})
            self._overrides[key] = base | clean
        return self.effective(key)

    def clear(self, key: str) -> dict[str, Any]:
        """Drop `key`'s overrides (and its children's, for `mcp`); returns `effective`."""
        self._fields[key]  # noqa: B018 - KeyError for an unknown key
        with self._lock:
            self._overrides.pop(key, None)
            for child, parent in self._parents.items():
                if parent == key:
                    self._overrides.pop(child, None)
        return self.effective(key)

    def reset(self) -> None:
        """Clear every override and reseed the RNG."""
        with self._lock:
            self._overrides.clear()
            self._rng = random.Random(self._seed)

    def roll(self, probability: float) -> bool:
        """True with `probability`, from the seeded RNG (reproducible sequence per seed)."""
        if probability <= 0:
            return False
        with self._lock:
            return self._rng.random() < probability

    def snapshot(self) -> dict[str, dict[str, Any]]:
        return {key: self.effective(key) for key in self._fields}
