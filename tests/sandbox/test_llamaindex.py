"""LlamaIndex RAG sandbox: health and the three tools."""

from __future__ import annotations

import pytest
import requests

AUTH = {"Authorization": "Bearer sandbox-llamaindex-token"}


@pytest.fixture
def base(sandbox):
    return f"{sandbox.url}/llamaindex"


def test_health__reports_index_documents(base):
    body = requests.get(f"{base}/health").json()
    assert body["status"] == "ok"
    assert body["index"]["documents"] > 0


def test_query_support__answers_from_knowledge_base(base):
    resp = requests.post(
        f"{base}/tools/query_support", headers=AUTH, json={"query": "Is PTFE hose OK with E85?"}
    )
    body = resp.json()
    assert resp.status_code == 200
    assert body["sources"][0]["doc_id"] == "kb-ptfe-e85"
    assert "E85" in body["answer"]


def test_query_support__without_token__returns_401(base):
    assert requests.post(f"{base}/tools/query_support", json={"query": "x"}).status_code == 401


def test_query_support__missing_query__returns_422(base):
    resp = requests.post(f"{base}/tools/query_support", headers=AUTH, json={})
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["loc"] == ["body", "query"]


def test_refresh_index__updates_health_timestamp(base):
    before = requests.get(f"{base}/health").json()["index"]["last_refreshed_at"]
    requests.post(f"{base}/tools/refresh_index", headers=AUTH, json={})
    assert requests.get(f"{base}/health").json()["index"]["last_refreshed_at"] > before


def test_insight_report__summarises_recent_topics(base):
    body = requests.post(f"{base}/tools/insight_report", headers=AUTH, json={"days": 7}).json()
    assert body["period_days"] == 7 and body["top_topics"]


def test_unknown_tool__returns_404(base):
    assert requests.post(f"{base}/tools/delete_index", headers=AUTH, json={}).status_code == 404
