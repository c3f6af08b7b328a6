"""The client's address, behind proxies the deployment trusts (settings.TRUSTED_PROXIES).

    client_ip(request) -> "203.0.113.7" | None

Without TRUSTED_PROXIES it is REMOTE_ADDR: a header anyone can send is never believed.
With it (addresses or networks of the deployment's own proxies, e.g. `127.0.0.1,10.0.0.0/8`)
and a request that arrived from one of them, it is the nearest address in
X-Forwarded-For that is not a trusted proxy, read from the right: each trusted proxy
appends the address it received from, so what lies left of the first untrusted address
may be forged by the client. The login lockout and the webhook limits count by this
one address; audit events still record the connecting address (REMOTE_ADDR).

A leaf module (Django only), so any app may import it.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_ip(request) -> str | None:
    """The client's address, compressed (`::ffff:` forms read as IPv4), or None."""
    remote = _address(request.META.get("REMOTE_ADDR"))
    if remote is None or not _trusted(remote):
        return _text(remote)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    nearest = remote
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        address = _address(hop)
        if address is None:
            break  # malformed: nothing left of it can be believed
        if not _trusted(address):
            return _text(address)
        nearest = address
    return _text(nearest)


def parse_networks(entries: list[str]) -> tuple[Network, ...]:
    """`["127.0.0.1", "10.0.0.0/8"]` as networks; raises ValueError naming a bad entry."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an address or network") from None
    return tuple(networks)


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(list(entries))


def _trusted(address) -> bool:
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    return any(address in network for network in networks if network.version == address.version)


def _address(raw: str | None):
    if not raw:
        return None
    try:
        address = ipaddress.ip_address(raw.strip().strip("[]"))
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _text(address) -> str | None:
    return address.compressed if address is not None else None
