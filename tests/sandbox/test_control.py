"""The control API (`/_control/...`) and the server itself, over real HTTP."""

from __future__ import annotations

import concurrent.futures
import time

import requests

SLACK_HOOK = "/slack/services/T0HOTROD/B0ALERTS/sandbox-webhook"


def test_health__returns_ok_with_seed_and_vendor_keys(sandbox):
    body = requests.get(f"{sandbox.url}/_control/health").json()
    assert body["status"] == "ok"
    assert body["seed"] == 42
    assert "mcp/llamaindex-rag" in body["fault_keys"]


def test_faults__all_vendors__listed_with_defaults(sandbox):
    faults = requests.get(f"{sandbox.url}/_control/faults").json()["faults"]
    assert set(faults) >= {
        "shopify",
        "chatwoot",
        "ga4",
        "supabase",
        "publer",
        "slack",
        "llamaindex",
        "mcp",
    }
    assert faults["shopify"]["latency_ms"] == 0
    assert faults["shopify"]["maximum_available"] == 2000.0


def test_patch__merges_and_returns_effective_settings(sandbox):
    requests.patch(f"{sandbox.url}/_control/faults/ga4", json={"latency_ms": 5})
    resp = requests.patch(f"{sandbox.url}/_control/faults/ga4", json={"error_rate": 0.5})
    assert resp.status_code == 200
    assert resp.json()["faults"]["latency_ms"] == 5
    assert resp.json()["faults"]["error_rate"] == 0.5


def test_put__replaces_previous_overrides(sandbox):
    sandbox.set_faults("ga4", latency_ms=5)
    faults = sandbox.replace_faults("ga4", throttle=True)
    assert faults["latency_ms"] == 0
    assert faults["throttle"] is True


def test_delete__clears_vendor_faults(sandbox):
    sandbox.set_faults("chatwoot", outage=True)
    resp = requests.delete(f"{sandbox.url}/_control/faults/chatwoot")
    assert resp.json()["faults"]["outage"] is False


def test_mcp_server_key__inherits_mcp_settings_and_overrides_them(sandbox):
    sandbox.set_faults("mcp", latency_ms=7, page_size=3)
    faults = sandbox.set_faults("mcp/github", page_size=2)
    assert faults["latency_ms"] == 7
    assert faults["page_size"] == 2
    assert sandbox.faults("mcp/context7")["page_size"] == 3


def test_unknown_vendor__returns_404_naming_it(sandbox):
    resp = requests.patch(f"{sandbox.url}/_control/faults/stripe", json={"outage": True})
    assert resp.status_code == 404
    assert resp.json()["error"] == "unknown_vendor"
    assert "stripe" in resp.json()["detail"]


def test_out_of_range_value__returns_400_naming_field(sandbox):
    resp = requests.patch(f"{sandbox.url}/_control/faults/shopify", json={"error_rate": 1.5})
    assert resp.status_code == 400
    assert resp.json()["field"] == "error_rate"


def test_wrong_type__returns_400_naming_field(sandbox):
    resp = requests.patch(f"{sandbox.url}/_control/faults/shopify", json={"outage": "yes"})
    assert resp.status_code == 400
    assert resp.json()["field"] == "outage"


def test_unknown_key__returns_400_naming_field(sandbox):
    resp = requests.patch(f"{sandbox.url}/_control/faults/slack", json={"throttle_mode": "429"})
    assert resp.status_code == 400
    assert resp.json()["field"] == "throttle_mode"


def test_bad_value__changes_nothing(sandbox):
    requests.patch(f"{sandbox.url}/_control/faults/slack", json={"latency_ms": 3, "burst": 0})
    assert sandbox.faults("slack")["latency_ms"] == 0


def test_malformed_json__returns_400(sandbox):
    resp = requests.patch(f"{sandbox.url}/_control/faults/slack", data=b"{not json")
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_json"


def test_non_object_body__returns_400(sandbox):
    resp = requests.patch(f"{sandbox.url}/_control/faults/slack", json=[1, 2])
    assert resp.status_code == 400


def test_oversized_control_body__returns_413(sandbox):
    resp = requests.patch(f"{sandbox.url}/_control/faults/slack", data=b" " * (65 * 1024))
    assert resp.status_code == 413


def test_oversized_vendor_body__returns_413(sandbox):
    resp = requests.post(sandbox.url + SLACK_HOOK, data=b"x" * (1024 * 1024 + 1))
    assert resp.status_code == 413


def test_reset__clears_all_faults(sandbox):
    sandbox.set_faults("publer", outage=True)
    requests.post(f"{sandbox.url}/_control/reset")
    assert sandbox.faults("publer")["outage"] is False


def test_unknown_prefix__returns_404_json(sandbox):
    resp = requests.get(f"{sandbox.url}/stripe/v1/charges")
    assert resp.status_code == 404
    assert resp.json()["error"] == "not_found"


def test_latency__delays_the_answer(sandbox):
    sandbox.set_faults("llamaindex", latency_ms=150)
    started = time.monotonic()
    requests.get(f"{sandbox.url}/llamaindex/health")
    assert time.monotonic() - started >= 0.15


def test_error_rate_one__returns_vendor_5xx(sandbox):
    sandbox.set_faults("slack", error_rate=1.0)
    resp = requests.post(sandbox.url + SLACK_HOOK, json={"text": "hi"})
    assert (resp.status_code, resp.text) == (500, "rollup_error")


def test_error_rate__is_seeded_and_reproducible(sandbox):
    def outcomes():
        sandbox.reset()
        sandbox.set_faults("llamaindex", error_rate=0.5)
        return [requests.get(f"{sandbox.url}/llamaindex/health").status_code for _ in range(12)]

    first = outcomes()
    assert first == outcomes()
    assert {200, 500} == set(first)


def test_outage_503__returns_vendor_unavailable(sandbox):
    sandbox.set_faults("ga4", outage=True)
    resp = requests.post(f"{sandbox.url}/ga4/v1beta/properties/1:runReport", json={})
    assert resp.status_code == 503
    assert resp.json()["error"]["status"] == "UNAVAILABLE"


def test_outage_reset__drops_the_connection(sandbox):
    sandbox.set_faults("chatwoot", outage=True, outage_mode="reset")
    try:
        requests.get(f"{sandbox.url}/chatwoot/api", timeout=5)
    except requests.ConnectionError:
        return
    raise AssertionError("expected a connection error")


def test_outage_hang__times_out_the_client(sandbox):
    sandbox.set_faults("chatwoot", outage=True, outage_mode="hang", hang_ms=2000)
    try:
        requests.get(f"{sandbox.url}/chatwoot/api", timeout=0.3)
    except requests.Timeout:
        return
    raise AssertionError("expected a timeout")


def test_malformed__returns_truncated_200(sandbox):
    sandbox.set_faults("llamaindex", malformed=True)
    resp = requests.get(f"{sandbox.url}/llamaindex/health")
    assert resp.status_code == 200
    try:
        resp.json()
    except ValueError:
        return
    raise AssertionError("expected a body that is not JSON")


def test_keep_alive__reuses_one_connection(sandbox):
    with requests.Session() as http:
        for _ in range(3):
            http.get(f"{sandbox.url}/llamaindex/health")
        pool = http.get_adapter(sandbox.url).poolmanager
        assert sum(p.num_connections for p in pool.pools._container.values()) == 1


def test_concurrency__sustains_200_requests_per_second_at_20ms_latency(sandbox):
    sandbox.set_faults("llamaindex", latency_ms=20)

    def probe(_):
        with requests.Session() as http:
            return [http.get(f"{sandbox.url}/llamaindex/health").status_code for _ in range(10)]

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        codes = [c for batch in pool.map(probe, range(20)) for c in batch]
    elapsed = time.monotonic() - started
    assert codes.count(200) == 200
    assert 200 / elapsed >= 200
