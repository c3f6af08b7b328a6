"""Which addresses an outbound call may reach: the one rule, at save time and at connect time.

`refusal(address)` says why an address is never a vendor: loopback, private (RFC 1918,
ULA fc00::/7), shared/CGNAT 100.64/10, link-local, a cloud metadata address, unspecified,
multicast or reserved; IPv6 forms that carry an IPv4 address (mapped ::ffff:a.b.c.d,
compatible ::a.b.c.d, 6to4 2002::/16, NAT64 64:ff9b::/96) are judged by that address.

`Destinations` is that rule plus what configuration allows: the networks listed in
`OUTBOUND_ALLOW_PRIVATE` (`10.0.0.0/8`, `127.0.0.1:8765`, `[fd12::1]:443`), and, for a
call made in sandbox mode, the vendor sandbox's own host and port (`SANDBOX_URL`).
Metadata addresses are refused even when an allowance covers them: no integration
needs the cloud's credentials service.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings

from .errors import ConfigInvalid, DestinationForbidden

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# AWS/GCP/Azure/OpenStack (IPv4 and IPv6), Alibaba Cloud, Azure's WireServer (a public address).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "168.63.129.16")
)
# Names that only ever mean a metadata service (they may not resolve where the form is saved).
METADATA_NAMES = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data.ec2.internal"}
)
SHARED = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598 carrier-grade NAT
IETF_V4 = ipaddress.ip_network("192.0.0.0/24")  # RFC 6890 protocol assignments
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215 local use
COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated IPv4-compatible IPv6 (RFC 4291)


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, NAT64), else None."""
    if address.version == 4:
        return None
    if address.ipv4_mapped or address.sixtofour:
        return address.ipv4_mapped or address.sixtofour
    if address in NAT64 or (address in COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


@lru_cache(maxsize=4096)  # asked before every request, kept-alive ones included
def refusal(address: Address) -> str | None:
    """Why `address` is never a vendor ("loopback", "private", …), or None for a public one."""
    inner = embedded_ipv4(address)
    if inner is not None:
        reason = refusal(inner)
        if reason is None and address in COMPATIBLE:
            reason = "reserved"  # a deprecated form no vendor publishes
        return f"{reason} ({address} carries {inner})" if reason else None
    checks = (
        (address in METADATA_ADDRESSES, "a cloud metadata address"),
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (address in SHARED, "shared address space (CGNAT 100.64.0.0/10)"),
        (address in LOCAL_NAT64, "private"),
        (address.is_private and address not in IETF_V4, "private"),
        (address.is_reserved or not address.is_global or address in IETF_V4, "reserved"),
    )
    return next((reason for refused, reason in checks if refused), None)


def parse_address(text: str) -> Address:
    """An address as getaddrinfo or a URL gives it (brackets and a %scope are dropped)."""
    return ipaddress.ip_address(text.strip("[]").split("%")[0])


@dataclass(frozen=True)
class Destinations:
    """The addresses one gateway's calls may connect to. Immutable; build with `for_mode`."""

    allowed: tuple[tuple[Network, int | None], ...] = ()
    sandbox: tuple[str, int] | None = None  # (host, port) of SANDBOX_URL, in sandbox mode

    @classmethod
    def for_mode(cls, *, sandbox: bool) -> Destinations:
        """From settings: `OUTBOUND_ALLOW_PRIVATE`, plus the sandbox's address when `sandbox`.
        Raises ConfigInvalid naming a malformed entry."""
        allowed = _allowances(tuple(getattr(settings, "OUTBOUND_ALLOW_PRIVATE", ()) or ()))
        return cls(allowed, _origin(settings.SANDBOX_URL) if sandbox else None)

    def check(self, host: str, address: Address, port: int) -> None:
        """Raise DestinationForbidden unless `host` may be reached at `address`:`port`."""
        reason = self.refusal(host, address, port)
        if reason:
            raise DestinationForbidden(
                f"{host}:{port} is {address}, {reason}: outbound calls never go there "
                "(allow a private network with OUTBOUND_ALLOW_PRIVATE)",
                sent=False,
            )

    def refusal(self, host: str, address: Address, port: int) -> str | None:
        reason = refusal(address)
        if reason is None or address in METADATA_ADDRESSES:
            return reason
        if self.sandbox == (host.strip("[]").lower().rstrip("."), port):
            return None
        plain = embedded_ipv4(address) or address
        for network, allowed_port in self.allowed:
            if plain in network and allowed_port in (None, port):
                return None
        return reason


def _origin(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return (parts.hostname or "").lower().rstrip("."), port


@lru_cache(maxsize=16)
def _allowances(entries: tuple[str, ...]) -> tuple[tuple[Network, int | None], ...]:
    return tuple(_allowance(entry) for entry in entries if entry.strip())


def _allowance(entry: str) -> tuple[Network, int | None]:
    """`10.0.0.0/8`, `127.0.0.1:8765`, `[::1]:8765` or `fd12::/16` (IPv6 with a port in
    brackets). Names are not accepted: what a name points at can change."""
    text, port = entry.strip(), None
    if text.startswith("["):
        text, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":") or None
    elif text.count(":") == 1:
        text, port = text.split(":")
    try:
        network = ipaddress.ip_network(text, strict=False)
        return network, int(port) if port is not None else None
    except ValueError:
        raise ConfigInvalid(
            f"OUTBOUND_ALLOW_PRIVATE: {entry!r} is not an address or network "
            "(e.g. 10.0.0.0/8, 127.0.0.1:8765, [::1]:8765)",
            sent=False,
        ) from None
