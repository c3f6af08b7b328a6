"""`manage.py sandbox_fault VENDOR [options]`: set, show or clear a running sandbox's faults.

VENDOR is a fault key (`shopify`, `ga4`, `mcp`, `mcp/github`, …) or `all`
(with --show: every key; with --clear: reset the whole sandbox). Options map
onto the control API (`PATCH /_control/faults/{VENDOR}`); `--set KEY=JSON`
reaches vendor extras such as `--set maximum_available=50`. Prints the
resulting settings as JSON. It speaks through `sandbox.client`, the one client of
the control API, imported when the command runs (a deployment without the
sandbox package still starts).
"""

from __future__ import annotations

import argparse
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEFAULT_URL = "http://127.0.0.1:8765"
OPTION_FIELDS = (
    "latency_ms",
    "error_rate",
    "outage",
    "throttle",
    "malformed",
    "wrong_auth",
    "outage_mode",
    "throttle_mode",
)


def _number(name: str, text: str | None, kind: type, lo: float, hi: float):
    """`text` as `kind` within [lo, hi], or None. Raises CommandError naming the option."""
    if text is None:
        return None
    try:
        value = kind(text)
    except ValueError:
        raise CommandError(f"{name} must be a number, got {text!r}") from None
    if not lo <= value <= hi:
        raise CommandError(f"{name} must be between {lo} and {hi}, got {text}")
    return value


def _assignment(text: str) -> tuple[str, object]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise CommandError(f"--set expects KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(raw)
    except ValueError:
        return key, raw  # a bare string such as outage_mode=reset


class Command(BaseCommand):
    help = "Inject, show or clear faults in the running vendor sandbox."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("vendor", help="fault key (shopify, ga4, mcp/github, …) or 'all'")
        parser.add_argument("--latency-ms", help="0..60000")
        parser.add_argument("--error-rate", help="0.0..1.0")
        for flag in ("outage", "throttle", "malformed", "wrong-auth"):
            parser.add_argument(f"--{flag}", action=argparse.BooleanOptionalAction, default=None)
        parser.add_argument("--outage-mode", choices=("503", "reset", "hang"))
        parser.add_argument("--throttle-mode", help="shopify: 200|429, supabase: 429|503")
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=JSON",
            help="any other setting, e.g. --set maximum_available=50 (repeatable)",
        )
        parser.add_argument("--clear", action="store_true", help="clear the vendor's faults first")
        parser.add_argument("--show", action="store_true", help="only print the current settings")
        parser.add_argument("--url", help="sandbox base URL (default: settings.SANDBOX_URL)")

    def handle(self, *args, vendor: str, **opts) -> None:
        client = _client(opts["url"] or getattr(settings, "SANDBOX_URL", "") or DEFAULT_URL)
        changes = self._changes(opts)
        if opts["show"] and (changes or opts["clear"]):
            raise CommandError("--show cannot be combined with changes or --clear")
        if vendor == "all":
            result = self._all(client, opts, changes)
        else:
            if opts["clear"]:
                result = _call(client, "DELETE", f"faults/{vendor}")
            if changes or not opts["clear"]:
                method = "PATCH" if changes else "GET"
                result = _call(client, method, f"faults/{vendor}", changes if changes else None)
        self.stdout.write(json.dumps(result, indent=2, sort_keys=True))

    @staticmethod
    def _changes(opts: dict) -> dict:
        opts = opts | {
            "latency_ms": _number("--latency-ms", opts["latency_ms"], int, 0, 60_000),
            "error_rate": _number("--error-rate", opts["error_rate"], float, 0.0, 1.0),
        }
        changes = {key: opts[key] for key in OPTION_FIELDS if opts.get(key) is not None}
        return changes | dict(_assignment(item) for item in opts["set"])

    def _all(self, client, opts: dict, changes: dict) -> dict:
        if changes:
            raise CommandError("'all' only works with --show or --clear")
        if opts["clear"]:
            return _call(client, "POST", "reset")
        return _call(client, "GET", "faults")


def _client(url: str):
    try:
        from sandbox.client import SandboxClient
    except ImportError:
        raise CommandError("the vendor sandbox is not installed in this deployment") from None
    return SandboxClient(url)


def _call(client, method: str, path: str, body: dict | None = None) -> dict:
    """One control-API call. Raises CommandError with the sandbox's one-line reason."""
    from sandbox.client import SandboxRefused, SandboxUnreachable

    try:
        return client.call(method, path, body)
    except SandboxRefused as exc:
        raise CommandError(exc.detail) from None
    except SandboxUnreachable as exc:
        raise CommandError(f"sandbox not reachable: {exc.detail}") from None
