"""Slack incoming-webhook sandbox: plain-text answers, revocation, rate limit, recording."""

from __future__ import annotations

import pytest
import requests


@pytest.fixture
def hook(sandbox):
    return f"{sandbox.url}/slack/services/T0HOTROD/B0ALERTS/sandbox-webhook"


def test_valid_message__returns_plain_ok_and_is_recorded(sandbox, hook):
    resp = requests.post(hook, json={"text": "Shopify is down"})
    assert (resp.status_code, resp.text) == (200, "ok")
    assert resp.headers["Content-Type"].startswith("text/plain")
    assert sandbox.slack_messages()[0]["payload"] == {"text": "Shopify is down"}


def test_unparseable_json__returns_400_invalid_payload(hook):
    resp = requests.post(hook, data=b"{oops", headers={"Content-Type": "application/json"})
    assert (resp.status_code, resp.text) == (400, "invalid_payload")


def test_missing_text__returns_400_no_text(hook):
    resp = requests.post(hook, json={"username": "bot"})
    assert (resp.status_code, resp.text) == (400, "no_text")


def test_revoked_secret__returns_404_no_service(sandbox):
    resp = requests.post(f"{sandbox.url}/slack/services/T1/B1/revoked", json={"text": "x"})
    assert (resp.status_code, resp.text) == (404, "no_service")


def test_revoked_setting__kills_every_hook(sandbox, hook):
    sandbox.set_faults("slack", revoked=True)
    assert requests.post(hook, json={"text": "x"}).text == "no_service"


def test_burst_over_limit__returns_429_with_retry_after(sandbox, hook):
    sandbox.set_faults("slack", burst=2, rate_per_s=0.5)
    codes = [requests.post(hook, json={"text": str(i)}).status_code for i in range(2)]
    resp = requests.post(hook, json={"text": "third"})
    assert codes == [200, 200]
    assert (resp.status_code, resp.text) == (429, "rate_limited")
    assert int(resp.headers["Retry-After"]) >= 1


def test_rate_limit__is_per_webhook(sandbox, hook):
    sandbox.set_faults("slack", burst=1, rate_per_s=0.5)
    requests.post(hook, json={"text": "a"})
    other = f"{sandbox.url}/slack/services/T0HOTROD/B0OTHER/other-secret"
    assert requests.post(other, json={"text": "b"}).status_code == 200


def test_clear_messages__empties_the_recording(sandbox, hook):
    requests.post(hook, json={"text": "a"})
    requests.delete(f"{sandbox.url}/_control/slack/messages")
    assert sandbox.slack_messages() == []


def test_wrong_auth_fault__returns_403_invalid_token(sandbox, hook):
    sandbox.set_faults("slack", wrong_auth=True)
    assert requests.post(hook, json={"text": "x"}).text == "invalid_token"
