"""Chatwoot sandbox: health, the underscore auth header, conversations and messages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from sandbox import data

AUTH = {"api_access_token": "sandbox-chatwoot-token"}


@pytest.fixture
def api(sandbox):
    return f"{sandbox.url}/chatwoot/api/v1/accounts/1/conversations"


def test_health__without_auth__returns_ok_services(sandbox):
    body = requests.get(f"{sandbox.url}/chatwoot/api").json()
    assert body["queue_services"] == "ok" and body["data_services"] == "ok"
    assert body["version"]


def test_health__failing_queue__still_200_with_failing_field(sandbox):
    sandbox.set_faults("chatwoot", queue_services="failing")
    resp = requests.get(f"{sandbox.url}/chatwoot/api")
    assert resp.status_code == 200
    assert resp.json()["queue_services"] == "failing"


def test_underscore_header__arrives_and_authenticates(api):
    assert requests.get(api, headers=AUTH).status_code == 200


def test_bearer_authorization__is_not_accepted(api):
    resp = requests.get(api, headers={"Authorization": "Bearer sandbox-chatwoot-token"})
    assert resp.status_code == 401
    assert resp.json() == {"errors": ["You need to sign in or sign up before continuing."]}


def test_wrong_token__returns_invalid_access_token(api):
    resp = requests.get(api, headers={"api_access_token": "nope"})
    assert (resp.status_code, resp.json()) == (401, {"error": "Invalid Access Token"})


def test_conversations__default__open_only_with_meta_counts(api):
    body = requests.get(api, headers=AUTH).json()["data"]
    assert {c["status"] for c in body["payload"]} <= {"open"}
    open_ones = [c for c in data.conversations() if c.status(datetime.now(UTC)) == "open"]
    assert body["meta"]["all_count"] == len(open_ones)


def test_conversations__assignee_me__only_agent_one(api):
    payload = requests.get(
        api, headers=AUTH, params={"status": "resolved", "assignee_type": "me"}
    ).json()
    assert all(c["meta"]["assignee"]["id"] == 1 for c in payload["data"]["payload"])


def test_conversations__pages_of_25(api):
    first = requests.get(api, headers=AUTH, params={"status": "resolved"}).json()["data"]
    second = requests.get(api, headers=AUTH, params={"status": "resolved", "page": 2}).json()[
        "data"
    ]
    assert len(first["payload"]) == 25
    assert len(first["payload"]) + len(second["payload"]) == min(first["meta"]["all_count"], 50)


def test_conversations__rest_types__integer_message_type_and_unix_times(api):
    conv = requests.get(api, headers=AUTH, params={"status": "resolved"}).json()["data"]["payload"][
        0
    ]
    assert isinstance(conv["created_at"], int)
    assert conv["messages"][0]["message_type"] in (0, 1)


def test_conversations__bad_status__returns_422(api):
    assert requests.get(api, headers=AUTH, params={"status": "closed"}).status_code == 422


def test_meta__status_all__counts_everything(api):
    body = requests.get(f"{api}/meta", headers=AUTH, params={"status": "all"}).json()
    assert body["meta"]["all_count"] == len(data.conversations())


def test_send_message__returns_message_object_and_records_it(sandbox, api):
    cid = data.conversations()[0].id
    resp = requests.post(
        f"{api}/{cid}/messages",
        headers=AUTH,
        json={"content": "Hello!", "message_type": "outgoing", "private": False},
    )
    assert resp.status_code == 200
    assert resp.json()["message_type"] == 1 and resp.json()["conversation_id"] == cid
    assert sandbox.chatwoot_messages()[0]["content"] == "Hello!"


def test_send_message__unknown_conversation__returns_404(api):
    resp = requests.post(f"{api}/1/messages", headers=AUTH, json={"content": "Hi"})
    assert resp.status_code == 404


def test_send_message__blank_content__returns_422(api):
    cid = data.conversations()[0].id
    assert (
        requests.post(f"{api}/{cid}/messages", headers=AUTH, json={"content": ""}).status_code
        == 422
    )


def test_throttle_fault__returns_rack_attack_429(sandbox, api):
    sandbox.set_faults("chatwoot", throttle=True)
    resp = requests.get(api, headers=AUTH)
    assert (resp.status_code, resp.text) == (429, "Retry later\n")
