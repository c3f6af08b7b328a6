"""`manage.py sandbox` and `manage.py sandbox_fault` against real sandboxes."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]


def fault(*args: str) -> dict:
    out = io.StringIO()
    call_command("sandbox_fault", *args, stdout=out)
    return json.loads(out.getvalue())


def test_sandbox_fault__sets_and_prints_settings(sandbox):
    result = fault("ga4", "--url", sandbox.url, "--latency-ms", "5", "--throttle")
    assert result["faults"]["latency_ms"] == 5 and result["faults"]["throttle"] is True
    assert sandbox.faults("ga4")["throttle"] is True


def test_sandbox_fault__set_reaches_vendor_extras(sandbox):
    fault(
        "shopify",
        "--url",
        sandbox.url,
        "--set",
        "maximum_available=50",
        "--set",
        "throttle_mode=429",
    )
    assert sandbox.faults("shopify")["throttle_mode"] == "429"


def test_sandbox_fault__clear__restores_defaults(sandbox):
    sandbox.set_faults("slack", outage=True)
    assert fault("slack", "--url", sandbox.url, "--clear")["faults"]["outage"] is False


def test_sandbox_fault__show_all__lists_every_key(sandbox):
    assert "mcp/github" in fault("all", "--url", sandbox.url, "--show")["faults"]


def test_sandbox_fault__out_of_range__raises_command_error(sandbox):
    with pytest.raises(CommandError, match="--error-rate must be between"):
        fault("ga4", "--url", sandbox.url, "--error-rate", "1.5")


def test_sandbox_fault__unknown_vendor__raises_command_error(sandbox):
    with pytest.raises(CommandError, match="unknown vendor 'stripe'"):
        fault("stripe", "--url", sandbox.url, "--show")


def test_sandbox_fault__unknown_setting__raises_command_error_naming_it(sandbox):
    with pytest.raises(CommandError, match="unknown field 'bogus'"):
        fault("ga4", "--url", sandbox.url, "--set", "bogus=1")


def test_sandbox_fault__unreachable__raises_command_error():
    with pytest.raises(CommandError, match="not reachable"):
        fault("ga4", "--url", "http://127.0.0.1:9", "--show")


def test_sandbox_command__serves_then_stops_on_sigterm():
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "hotdash.settings.test"}
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "sandbox", "--port", "0", "--quiet"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = re.search(r"http://\S+", proc.stdout.readline()).group(0)
        assert requests.get(f"{url}/_control/health", timeout=5).json()["status"] == "ok"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_commands__without_the_sandbox_package__say_so(monkeypatch):
    for name in [n for n in sys.modules if n == "sandbox" or n.startswith("sandbox.")]:
        monkeypatch.setitem(sys.modules, name, None)  # as if the package were left out
    with pytest.raises(CommandError, match="not installed"):
        call_command("sandbox", "--port", "0")
    with pytest.raises(CommandError, match="not installed"):
        fault("ga4", "--show")
