"""The production topology, proved in CI (issue 15 item 4): gunicorn with 2 workers and 2
job clusters on PostgreSQL and the Redis broker, with the production profile, driven over
HTTP as its users drive it:

1. all green, both clusters running (the second stands by for the probe loop);
2. Shopify goes down at the vendor sandbox: one incident, one page in Slack;
3. the job cluster holding the probe loop is SIGKILLed, whole, as when its machine
   dies; an operator asks to send a customer a reply and an approver signs it off;
4. the other cluster carries on: probing within 30 s, the reply sent exactly once,
   the recovery noticed and its "resolved" page sent once;
5. the audit chain verifies, over the API and with `manage.py audit_verify`; no
   integration was probed twice in one slot.
"""

from __future__ import annotations

import json
import os
import time

import pytest

from sandbox.client import SandboxClient
from tests.deploy.topology import Api, Topology, eventually

pytestmark = pytest.mark.postgres
REDIS_URL = os.environ.get("HOTDASH_TOPOLOGY_REDIS_URL", "redis://127.0.0.1:6379/9")


@pytest.fixture
def topology(tmp_path):
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("needs PostgreSQL and Redis (set DATABASE_URL=postgres://…, as .ci/run does)")
    topology = Topology(tmp_path, REDIS_URL)
    try:
        with topology.explained():
            topology.start(clusters=2)
            # The operator's settings for the story: every integration probed every 10 s,
            # down after 2 failed probes, re-probed every 5 s while failing.
            topology.sql("UPDATE integrations_integration SET probe_interval_seconds = 10, "
                         "probe_retry_seconds = 5, failures_before_down = 2")
        yield topology
    finally:
        topology.stop()


def pages(sandbox: SandboxClient, incident: int, word: str) -> int:
    """Slack messages the sandbox accepted for the incident's `word` event."""
    needle = f"#{incident} "
    return sum(
        needle in json.dumps(m["payload"]) and f": {word}" in json.dumps(m["payload"])
        for m in sandbox.slack_messages()
    )


def test_story__outage_page_approval__survives_a_dead_job_cluster(topology):
    with topology.explained():
        _story(topology)


def _story(topology: Topology) -> None:
    operator = Api(topology.url, topology.token("operator"))
    approver = Api(topology.url, topology.token("approver"))
    sandbox = SandboxClient(topology.sandbox_url, timeout=10)

    # 1. all green, with a standby: the loop held by one cluster, both alive.
    ready = eventually("readyz with the jobs' heartbeat", lambda: _ready(operator), 150)
    assert ready["jobs"]["status"] == "ok"
    eventually("Shopify probed ok", lambda: _status(operator, "shopify") == "ok", 90)
    holder = eventually("a cluster holding the probe loop", lambda: topology.cluster_holding("probe-loop-0"), 60)

    # 2. Shopify down: one incident, one page.
    sandbox.set_faults("shopify", outage=True)
    incident = eventually("an open Shopify incident", lambda: _open_incident(operator), 90)
    eventually("the opening page in Slack", lambda: pages(sandbox, incident["id"], "opened"), 60)

    # 3. The cluster holding the probe loop dies, whole; an approved reply.
    killed_at = time.time()
    topology.kill(holder)
    conversation = _a_conversation(sandbox)
    content = f"Your order shipped today ({topology.name})."
    request = operator.post(
        "/api/v1/approvals/",
        {"action": "chatwoot.send_reply", "reason": "customer asked",
         "params": {"conversation_id": conversation, "content": content}},
        expect=201,
    )
    approver.post(f"/api/v1/approvals/{request['id']}/approve/",
                  {"comment": "ok", "payload_hash": request["payload_hash"]})

    # 4. The survivor: probing within 30 s, the reply sent once, the recovery paged once.
    survivor = next(name for name in topology.processes if name.startswith("jobs@") and name != holder)
    eventually("the survivor holding the probe loop", lambda: topology.cluster_holding("probe-loop-0") == survivor, 30)
    eventually("a Shopify probe after the kill", lambda: _probed_since(topology, killed_at), 30)
    done = eventually("the reply executed", lambda: _finished(approver, request["id"]), 200, every=2)
    assert done["status"] == "succeeded", done
    sent = [m for m in sandbox.chatwoot_messages() if m.get("content") == content]
    assert len(sent) == 1, sent

    sandbox.clear_faults("shopify")
    eventually("the incident resolved", lambda: _incident(operator, incident["id"])["status"] == "resolved", 90)
    eventually("the resolved page in Slack", lambda: pages(sandbox, incident["id"], "resolved"), 60)
    time.sleep(5)  # anything sent twice would be sent by now
    assert pages(sandbox, incident["id"], "opened") == 1
    assert pages(sandbox, incident["id"], "resolved") == 1
    assert [m for m in sandbox.chatwoot_messages() if m.get("content") == content] == sent

    # 5. The audit chain and the probe slots.
    assert operator.get("/api/v1/audit/verify/")["code"] == "ok"
    assert "intact" in topology.manage("audit_verify")
    assert _probed_twice(topology) == []


def _ready(api: Api) -> dict | None:
    response = api.session.get(f"{api.url}/readyz", timeout=10)
    body = response.json()
    return body if response.status_code == 200 and body.get("jobs", {}).get("status") == "ok" else None


def _status(api: Api, slug: str) -> str:
    return api.get(f"/api/v1/integrations/{slug}/")["status"]


def _open_incident(api: Api) -> dict | None:
    found = api.get("/api/v1/incidents/", integration="shopify", status="open")["results"]
    return found[0] if found else None


def _incident(api: Api, pk: int) -> dict:
    return api.get(f"/api/v1/incidents/{pk}/")


def _finished(api: Api, pk: int) -> dict | None:
    request = api.get(f"/api/v1/approvals/{pk}/")
    return request if request["finished_at"] else None


def _a_conversation(sandbox: SandboxClient) -> int:
    import requests

    response = requests.get(
        f"{sandbox.base_url}/chatwoot/api/v1/accounts/1/conversations",
        headers={"api_access_token": "sandbox-chatwoot-token"}, timeout=10,
    )
    assert response.status_code == 200, response.text[:300]
    return response.json()["data"]["payload"][0]["id"]


def _probed_since(topology: Topology, since: float) -> bool:
    return bool(topology.sql(
        "SELECT 1 FROM monitoring_checkresult c JOIN integrations_integration i "
        "ON i.id = c.integration_id WHERE i.slug = 'shopify' AND c.checked_at > to_timestamp(%s)",
        since,
    ))


def _probed_twice(topology: Topology) -> list[tuple]:
    """Two results of one integration for one slot of its schedule: due times (checked_at
    less lag_ms) within half a second of each other. Probes asked for on demand (the
    recovery's re-probes of the outage) are extra by design and have no slot."""
    scheduled = "(SELECT * FROM monitoring_checkresult WHERE NOT details ? 'on_demand')"
    return topology.sql(
        f"SELECT a.integration_id, a.checked_at, b.checked_at FROM {scheduled} a "
        f"JOIN {scheduled} b ON a.integration_id = b.integration_id AND a.id < b.id "
        "AND abs(extract(epoch FROM (a.checked_at - b.checked_at)) "
        "- (coalesce(a.lag_ms, 0) - coalesce(b.lag_ms, 0)) / 1000.0) < 0.5"
    )
