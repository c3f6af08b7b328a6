"""JSON nested beyond the decoder's stack, on every API (issue 14 item 5, beyond webhooks).

Python's json decoder recurses once per level and raises RecursionError past about 1,000;
DRF's JSONParser lets that through as a 500. `hotdash.parsers.NestingSafeJSONParser` is the
default parser of every API (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES), so each answers 400
`parse_error` before any view code runs, whatever app it belongs to.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

DEEP = 5000


def deep_body(field: str) -> str:
    return '{"' + field + '": ' + "[" * DEEP + "]" * DEEP + "}"


def post_raw(user, url: str, body: str):
    client = APIClient()
    client.force_authenticate(user)
    return client.post(url, body, content_type="application/json")


@pytest.mark.parametrize(
    "url, field",
    [
        pytest.param("/api/v1/approvals/", "params", id="approvals-request"),
        pytest.param("/api/v1/idea-pool/", "title", id="integrations-idea-pool"),
        pytest.param("/api/v1/incidents/1/acknowledge/", "note", id="monitoring-incident-ack"),
    ],
)
def test_deep_nesting__on_an_api_of_each_app__is_a_400_parse_error(operator, url, field):
    # Given an operator, When they post JSON nested 5,000 levels deep
    response = post_raw(operator, url, deep_body(field))
    # Then the API answers 400 parse_error, not a 500 from a RecursionError
    assert (response.status_code, response.json()["code"]) == (400, "parse_error")


def test_shallow_json__still_parses(operator):
    # A body nested a little is an ordinary request: the view's own answer (here, the
    # incident does not exist) and not a parse error.
    response = post_raw(operator, "/api/v1/incidents/999999/acknowledge/", '{"note": "ok"}')
    assert response.status_code == 404


def test_parser__is_the_default_with_drfs_form_parsers_kept():
    assert settings.REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] == [
        "hotdash.parsers.NestingSafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ]
