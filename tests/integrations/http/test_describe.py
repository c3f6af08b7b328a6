"""Error texts stay readable: an HTML error page becomes its words."""

from __future__ import annotations

from requests.structures import CaseInsensitiveDict

from integrations.http.response import HttpResult, default_describe


def result(body: bytes) -> HttpResult:
    return HttpResult(status=503, headers=CaseInsensitiveDict(), body=body, latency_ms=1.0)


def test_describe__html_error_page__text_only():
    page = (
        b"<!DOCTYPE html><html><body><h1>Service unavailable</h1>\n<p>Try later</p></body></html>"
    )
    assert default_describe(result(page)) == "Service unavailable Try later"


def test_describe__plain_text__unchanged_and_capped():
    assert default_describe(result(b"no_service")) == "no_service"
    assert len(default_describe(result(b"x" * 500))) == 200
