"""Validators for integration settings: safe outbound URLs, credential names."""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

ENV_VAR_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,127}$")

# The platform's own secrets and settings: never sent to a vendor as a credential.
PLATFORM_VARIABLES = {
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "SHOPIFY_WEBHOOK_SECRET",
    "SHOPIFY_WEBHOOK_SECRET_PREVIOUS",
    "CHATWOOT_WEBHOOK_SECRET",
    "CHATWOOT_WEBHOOK_SECRET_PREVIOUS",
    "GOLD_REPLY_WEBHOOK_TOKEN",
}
PLATFORM_PREFIXES = ("DJANGO_", "HOTDASH_", "Q_", "PROBE_", "SANDBOX_")


def validate_base_url(value: str) -> None:
    """Refuse URLs that are not http(s) or that point at link-local/metadata addresses.

    Loopback stays allowed (the vendor sandbox runs there); cloud metadata
    (169.254.169.254 and the rest of 169.254/16, fe80::/10) never is.
    """
    parts = urlsplit(value or "")
    if parts.scheme not in {"http", "https"}:
        raise ValidationError("Use an http:// or https:// URL.", code="scheme")
    if not parts.hostname:
        raise ValidationError("The URL has no host.", code="host")
    if parts.username or parts.password:
        raise ValidationError(
            "Put credentials in environment variables, not in the URL.", code="userinfo"
        )
    for address in _resolve(parts.hostname):
        if address.is_link_local or address.is_multicast or address.is_unspecified:
            raise ValidationError(
                f"{parts.hostname} resolves to {address}, a link-local, multicast or "
                "unspecified address; metadata endpoints are never probed.",
                code="address",
            )


def _resolve(hostname: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(hostname.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(hostname, None)
    except (OSError, UnicodeError):
        return []  # unresolvable now: the probe will report it, saving is allowed
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def validate_env_var_names(value) -> None:
    """credential_env must map role names to environment variable NAMES (never values)."""
    if not isinstance(value, dict):
        raise ValidationError("Give an object of role → environment variable name.")
    for role, name in value.items():
        if not isinstance(name, str) or not ENV_VAR_NAME.match(name):
            raise ValidationError(
                f"{role!r}: {name!r} is not an environment variable name "
                "(UPPER_CASE letters, digits, underscores). Never paste the secret itself.",
                code="env_name",
            )
        if name in PLATFORM_VARIABLES or name.startswith(PLATFORM_PREFIXES):
            raise ValidationError(
                f"{role!r}: {name} is one of the platform's own settings and is never sent "
                "to a vendor.",
                code="platform_variable",
            )
