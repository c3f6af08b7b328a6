"""Credentials: sandbox values in sandbox mode, named environment variables in live mode."""

from __future__ import annotations

import pytest

from integrations.credentials import CredentialMissing, credentials_resolve
from integrations.models import Integration


def _integration(mode: str, kind: str = "shopify", **extra) -> Integration:
    return Integration(
        slug="shop",
        name="Shop",
        kind=kind,
        base_url="https://shop.example",
        mode=mode,
        credential_env={"token": "SHOPIFY_ADMIN_TOKEN"},
        **extra,
    )


def test_sandbox_mode__uses_the_sandbox_token():
    assert credentials_resolve(_integration("sandbox")) == {"token": "sandbox-shopify-token"}


def test_live_mode__reads_the_named_variable():
    values = credentials_resolve(_integration("live"), environ={"SHOPIFY_ADMIN_TOKEN": " shpat_x "})
    assert values == {"token": "shpat_x"}


def test_live_mode__missing_variable__names_it_and_is_a_config_error():
    with pytest.raises(CredentialMissing) as caught:
        credentials_resolve(_integration("live"), environ={"OTHER": "shpat_secret_value"})
    assert "SHOPIFY_ADMIN_TOKEN" in caught.value.detail
    assert caught.value.error_class == "config" and "shpat_secret_value" not in str(caught.value)


def test_sandbox_slack__webhook_is_the_sandbox_url(settings):
    settings.SANDBOX_URL = "http://127.0.0.1:8765"
    slack = _integration("sandbox", kind="slack", sandbox_path="slack/services/T/B/X")
    assert credentials_resolve(slack) == {
        "webhook_url": "http://127.0.0.1:8765/slack/services/T/B/X"
    }
