"""The client's address behind the deployment's proxies (hotdash/proxies.py), one case per test.

Behind nginx every request's REMOTE_ADDR is the proxy's: five failed logins from anyone
locked everyone out, and the audit trail recorded the proxy. X-Forwarded-For is believed
only from TRUSTED_PROXIES, and only up to the first address that is not one of them.
"""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from hotdash.proxies import client_ip
from hotdash.settings.env import ConfigError, read_config

PASSWORD = "pw-otto"


def ip(remote: str, forwarded: str | None = None) -> str | None:
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **headers))


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]


def test_no_trusted_proxies__header_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert ip("198.51.100.4", "203.0.113.7") == "198.51.100.4"


def test_request_not_from_a_trusted_proxy__header_ignored(behind_proxy):
    assert ip("198.51.100.4", "203.0.113.7") == "198.51.100.4"


def test_from_the_proxy__client_is_the_forwarded_address(behind_proxy):
    assert ip("127.0.0.1", "203.0.113.7") == "203.0.113.7"


def test_forged_entries_left_of_the_client__ignored(behind_proxy):
    # the client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended what it saw
    assert ip("127.0.0.1", "1.2.3.4, 203.0.113.7") == "203.0.113.7"


def test_chain_of_trusted_proxies__skipped(behind_proxy):
    assert ip("127.0.0.1", "203.0.113.7, 10.1.2.3, 10.0.0.9") == "203.0.113.7"


def test_malformed_entry__nearest_trusted_hop(behind_proxy):
    assert ip("127.0.0.1", "203.0.113.7, not-an-ip") == "127.0.0.1"


def test_only_trusted_addresses__the_farthest_proxy(behind_proxy):
    assert ip("127.0.0.1", "10.0.0.5") == "10.0.0.5"


def test_ipv4_mapped_ipv6__read_as_ipv4(behind_proxy):
    assert ip("::ffff:127.0.0.1", "::ffff:203.0.113.7") == "203.0.113.7"


def test_trusted_proxies__malformed__names_the_variable():
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        read_config({"SECRET_KEY": "k", "TRUSTED_PROXIES": "10.0.0.0/8, nginx"})


@pytest.mark.django_db
def test_login_lockout_behind_the_proxy__locks_the_guesser_only(behind_proxy, operator):
    """Five wrong passwords from one client lock that client out, not the proxy's address."""
    guesser = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66")
    for n in range(5):
        guesser.post("/admin/login/", {"username": f"guess-{n}", "password": "x"})

    locked = guesser.post("/admin/login/", {"username": "otto", "password": PASSWORD})
    colleague = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20")
    answer = colleague.post("/admin/login/", {"username": "otto", "password": PASSWORD})

    assert locked.status_code == 429
    assert answer.status_code == 302


@pytest.mark.django_db
def test_webhook_refusals_behind_the_proxy__counted_per_sender(behind_proxy):
    """Forged deliveries through the proxy are counted (and limited) per sender."""
    from integrations.webhooks.models import WebhookRejection

    for sender in ("203.0.113.7", "203.0.113.8", "203.0.113.8"):
        Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=sender).post(
            "/webhooks/shopify/", b"{}", content_type="application/json"
        )

    counts = dict(WebhookRejection.objects.values_list("address", "count"))
    assert counts == {"203.0.113.7": 1, "203.0.113.8": 2}
