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
    """Refuse URLs that are not http(s), carry credentials, or point where calls never go.

    The address rule is the gateway's (`integrations.http.addresses`): loopback,
    private, CGNAT, link-local, metadata, unspecified, multicast and reserved
    addresses are refused unless `OUTBOUND_ALLOW_PRIVATE` allows them; a name is
    judged by what it resolves to now. The gateway checks again when it connects,
    so a name that re-points later is still refused then. (This is the live URL:
    the sandbox's address, allowed to sandbox-mode calls, is not allowed here.)
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
    _validate_destination(parts.hostname, _port(parts))


def _validate_destination(host: str, port: int) -> None:
    # Imported here: the gateway's package imports the models, which import this module.
    from integrations.http.addresses import METADATA_NAMES, Destinations
    from integrations.http.errors import GatewayError

    name = host.lower().rstrip(".")
    if name in METADATA_NAMES:
        raise ValidationError(f"{host} is a cloud metadata service.", code="address")
    try:
        destinations = Destinations.for_mode(sandbox=False)
        for address in _resolve(host):
            destinations.check(host, address, port)
    except GatewayError as exc:
        raise ValidationError(exc.detail, code="address") from None


def _port(parts) -> int:
    try:
        return parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationError("The URL's port is not a number.", code="port") from None


def _resolve(hostname: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(hostname.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(hostname, None)
    except (OSError, UnicodeError):
        return []  # unresolvable now: the connect-time check will judge it
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
