"""`sandbox.client`, the one client of the control API: answers and refusals."""

from __future__ import annotations

import pytest

from sandbox.client import SandboxClient, SandboxRefused, SandboxUnreachable


def test_set_faults__merges_and_returns_the_settings(sandbox):
    client = SandboxClient(sandbox.url)
    assert client.set_faults("ga4", throttle=True)["throttle"] is True
    assert client.faults("ga4")["throttle"] is True and "shopify" in client.faults()


def test_a_bad_setting__is_refused_with_the_sandboxs_field_and_words(sandbox):
    with pytest.raises(SandboxRefused) as refused:
        SandboxClient(sandbox.url).set_faults("shopify", latency_ms=999_999)
    error = refused.value
    assert (error.status, error.error, error.field) == (400, "invalid_fault", "latency_ms")
    assert sandbox.faults("shopify")["latency_ms"] == 0


def test_an_unknown_key__is_refused(sandbox):
    with pytest.raises(SandboxRefused, match="unknown vendor") as refused:
        SandboxClient(sandbox.url).faults("stripe")
    assert refused.value.status == 404


def test_no_sandbox__is_unreachable():
    with pytest.raises(SandboxUnreachable, match="did not answer"):
        SandboxClient("http://127.0.0.1:9", timeout=2).reset()
