"""Publer sandbox: Bearer-API auth, workspace header, scheduling jobs and the rate limit."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

KEY = {"Authorization": "Bearer-API sandbox-publer-key"}
WS = KEY | {"Publer-Workspace-Id": "665f2c1e8a0b4d0012ab34cd"}
ACCOUNT = "66db83154e299efa19a2d8eb"


@pytest.fixture
def api(sandbox):
    return f"{sandbox.url}/publer/api/v1"


def bulk(minutes_ahead: float = 10) -> dict:
    when = (datetime.now(UTC) + timedelta(minutes=minutes_ahead)).isoformat()
    return {
        "bulk": {
            "state": "scheduled",
            "posts": [
                {
                    "networks": {"facebook": {"type": "status", "text": "New -10 AN kits"}},
                    "accounts": [{"id": ACCOUNT, "scheduled_at": when}],
                }
            ],
        }
    }


def test_users_me__needs_no_workspace_and_sends_rate_headers(api):
    resp = requests.get(f"{api}/users/me", headers=KEY)
    assert resp.status_code == 200
    assert resp.headers["X-RateLimit-Limit"] == "100"
    assert resp.headers["X-RateLimit-Remaining"] == "99"


def test_plain_bearer__returns_401_errors_body(api):
    resp = requests.get(f"{api}/users/me", headers={"Authorization": "Bearer sandbox-publer-key"})
    assert resp.status_code == 401
    assert isinstance(resp.json()["errors"], list)


def test_accounts__without_workspace_header__returns_400(api):
    assert requests.get(f"{api}/accounts", headers=KEY).status_code == 400


def test_accounts__other_workspace__returns_403(api):
    headers = KEY | {"Publer-Workspace-Id": "someone-else"}
    assert requests.get(f"{api}/accounts", headers=headers).status_code == 403


def test_schedule__valid_post__returns_202_job_id(api):
    resp = requests.post(f"{api}/posts/schedule", headers=WS, json=bulk())
    assert resp.status_code == 202
    assert set(resp.json()) == {"job_id"}


def test_schedule__status_setting_200__returns_200(sandbox, api):
    sandbox.set_faults("publer", schedule_status=200)
    assert requests.post(f"{api}/posts/schedule", headers=WS, json=bulk()).status_code == 200


def test_schedule__too_soon__returns_400_errors(api):
    resp = requests.post(f"{api}/posts/schedule", headers=WS, json=bulk(minutes_ahead=0.5))
    assert resp.status_code == 400
    assert "1 minute" in resp.json()["errors"][0]


def test_publish_now__needs_no_scheduled_at(api):
    body = bulk()
    del body["bulk"]["posts"][0]["accounts"][0]["scheduled_at"]
    assert requests.post(f"{api}/posts/schedule/publish", headers=WS, json=body).status_code == 202


def test_job_status__completes_after_delay(sandbox, api):
    sandbox.set_faults("publer", job_delay_ms=150)
    job = requests.post(f"{api}/posts/schedule", headers=WS, json=bulk()).json()["job_id"]
    pending = requests.get(f"{api}/job_status/{job}", headers=WS).json()
    time.sleep(0.2)
    done = requests.get(f"{api}/job_status/{job}", headers=WS).json()
    assert pending["status"] == "working"
    assert done == {"status": "completed", "payload": {"failures": {}}}


def test_job_status__failure_setting__lists_account_failures(sandbox, api):
    sandbox.set_faults("publer", job_delay_ms=0, job_failure=True)
    job = requests.post(f"{api}/posts/schedule", headers=WS, json=bulk()).json()["job_id"]
    failures = requests.get(f"{api}/job_status/{job}", headers=WS).json()["payload"]["failures"]
    assert list(failures) == [ACCOUNT]


def test_job_status__unknown_job__returns_404(api):
    assert requests.get(f"{api}/job_status/nope", headers=WS).status_code == 404


def test_rate_limit__exceeded__returns_429_with_headers(sandbox, api):
    sandbox.set_faults("publer", rate_limit=3)
    for _ in range(3):
        requests.get(f"{api}/users/me", headers=KEY)
    resp = requests.get(f"{api}/users/me", headers=KEY)
    assert resp.status_code == 429
    assert resp.json() == {"error": "Rate limit exceeded. Retry later."}
    assert resp.headers["X-RateLimit-Remaining"] == "0"
    assert int(resp.headers["X-RateLimit-Reset"]) >= int(time.time())


def test_rate_limit__window_passes__allows_again(sandbox, api):
    sandbox.set_faults("publer", rate_limit=1, rate_window_s=0.2)
    requests.get(f"{api}/users/me", headers=KEY)
    time.sleep(0.25)
    assert requests.get(f"{api}/users/me", headers=KEY).status_code == 200


def test_throttle_fault__returns_429(sandbox, api):
    sandbox.set_faults("publer", throttle=True)
    assert requests.get(f"{api}/users/me", headers=KEY).status_code == 429
