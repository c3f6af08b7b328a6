"""SSRF: outbound calls never reach loopback, private, metadata or reserved addresses.

Issue 14, item 1. Each hostile destination is refused twice: when a URL is saved
(`validate_base_url`) and, whatever was saved, on the address the gateway actually
connects to (integrations/http/connect.py). Names are resolved through a stand-in
resolver, so each test says exactly what the DNS answers.
"""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from approvals import registry
from integrations.http import ConfigInvalid, ContractBroken, DestinationForbidden, Gateway, Limits
from integrations.http.addresses import Destinations, parse_address
from integrations.models import Integration
from integrations.validators import validate_base_url
from monitoring import channels
from monitoring.models import Channel, CheckResult
from tests.integrations.http.rawserver import RawServer
from tests.monitoring.conftest import make_integration

# Every hostile address form, named by what it is.
HOSTILE = {
    "ipv4_mapped_metadata": "::ffff:169.254.169.254",
    "ipv4_mapped_loopback": "::ffff:127.0.0.1",
    "ipv4_compatible_loopback": "::127.0.0.1",
    "6to4_loopback": "2002:7f00:1::1",
    "nat64_metadata": "64:ff9b::a9fe:a9fe",
    "aws_metadata": "169.254.169.254",
    "aws_metadata_ipv6": "fd00:ec2::254",
    "alibaba_metadata": "100.100.100.200",
    "azure_wireserver": "168.63.129.16",
    "loopback": "127.0.0.1",
    "loopback_other": "127.1.2.3",
    "loopback_ipv6": "::1",
    "rfc1918_10": "10.0.0.5",
    "rfc1918_172": "172.16.0.1",
    "rfc1918_192": "192.168.1.1",
    "ula": "fd12:3456::1",
    "cgnat": "100.64.0.1",
    "link_local": "169.254.1.1",
    "link_local_ipv6": "fe80::1",
    "unspecified": "0.0.0.0",
    "unspecified_ipv6": "::",
    "multicast": "224.0.0.1",
    "multicast_ipv6": "ff02::1",
    "reserved": "240.0.0.1",
    "broadcast": "255.255.255.255",
    "ietf_protocol": "192.0.0.8",
}


class Resolver:
    """Stands in for getaddrinfo: answers `answers[host]` (a list, one per call, the last
    repeated), or the host itself when it is an address; records every question."""

    def __init__(self, answers: dict[str, list[str]] | None = None):
        self.answers, self.asked = answers or {}, []

    def __call__(self, host, port, family=0, kind=0, proto=0, flags=0):
        self.asked.append(host)
        queue = self.answers.get(host, [host])
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(address, list):  # a whole answer, several addresses
            return address
        if ":" in address:
            return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]


@pytest.fixture
def resolver(monkeypatch):
    fake = Resolver()
    monkeypatch.setattr("integrations.http.connect.resolve", fake)
    return fake


@pytest.fixture
def no_allowance(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = []
    settings.SANDBOX_URL = "http://127.0.0.1:8765"


@pytest.fixture(scope="module")
def server():
    raw = RawServer()
    yield raw
    raw.close()


def _port(server: RawServer) -> int:
    return server.sock.getsockname()[1]


def _gateway(**options) -> Gateway:
    return Gateway("vendor", limits=Limits(deadline_s=2.0, max_attempts=3), **options)


def _host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


# -- connect time: every form, on the address connected to ----------------------------


@pytest.mark.parametrize("address", HOSTILE.values(), ids=HOSTILE.keys())
def test_connect__hostile_address__refused_unsent(no_allowance, resolver, address):
    started = time.monotonic()
    with pytest.raises(DestinationForbidden) as refused:
        _gateway().request("GET", f"http://{_host(address)}/latest/meta-data")
    assert refused.value.error_class == "forbidden" and refused.value.sent is False
    assert refused.value.attempts == 1  # never repeated
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize("address", HOSTILE.values(), ids=HOSTILE.keys())
def test_connect__name_resolving_to_hostile_address__refused(no_allowance, resolver, address):
    resolver.answers["api.vendor.example"] = [address]
    with pytest.raises(DestinationForbidden):
        _gateway().request("GET", "https://api.vendor.example/")


def test_connect__metadata_google_internal__refused(no_allowance, resolver):
    resolver.answers["metadata.google.internal"] = ["169.254.169.254"]
    with pytest.raises(DestinationForbidden, match="metadata"):
        _gateway().request("GET", "http://metadata.google.internal/computeMetadata/v1/")


def test_connect__localhost_with_the_real_resolver__refused(no_allowance):
    with pytest.raises(DestinationForbidden, match="loopback"):
        _gateway().request("GET", "http://localhost:5432/")


def test_connect__loopback_port_with_the_real_resolver__refused(no_allowance):
    with pytest.raises(DestinationForbidden, match="loopback"):
        _gateway().request("GET", "http://127.0.0.1:5432/")


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_rule__public_address__not_refused(no_allowance, address):
    Destinations.for_mode(sandbox=False).check("api.vendor.example", parse_address(address), 443)


# -- DNS rebinding and re-pointing names ------------------------------------------------


def test_rebinding__name_saved_public_then_private_at_connect__refused(
    no_allowance, resolver, monkeypatch
):
    public = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 0))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: public)
    validate_base_url("https://rebind.vendor.example/")  # saved: it was public then
    resolver.answers["rebind.vendor.example"] = ["10.0.0.5"]
    with pytest.raises(DestinationForbidden):
        _gateway().request("GET", "https://rebind.vendor.example/")


def test_rebinding__connects_to_the_address_it_checked(settings, resolver, server):
    """The resolver is asked once per connection; a second answer (metadata) is never used."""
    settings.OUTBOUND_ALLOW_PRIVATE = [f"127.0.0.1:{_port(server)}"]
    resolver.answers["rebind.vendor.example"] = ["127.0.0.1", "169.254.169.254"]
    result = _gateway().request("GET", f"http://rebind.vendor.example:{_port(server)}/ok")
    assert result.status == 200 and resolver.asked == ["rebind.vendor.example"]


def test_rebinding__mixed_answer__connects_only_to_the_permitted_address(
    settings, resolver, server
):
    settings.OUTBOUND_ALLOW_PRIVATE = [f"127.0.0.1:{_port(server)}"]
    resolver.answers["two.vendor.example"] = ["169.254.169.254"]
    metadata_first = resolver("two.vendor.example", _port(server))
    loopback = resolver("127.0.0.1", _port(server))
    resolver.answers["two.vendor.example"] = [metadata_first + loopback]
    result = _gateway().request("GET", f"http://two.vendor.example:{_port(server)}/ok")
    assert result.status == 200


# -- redirects ----------------------------------------------------------------------------


class RedirectServer(RawServer):
    def _redirect(self, conn):
        conn.sendall(
            b"HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest/meta-data\r\n"
            b"Content-Length: 0\r\nConnection: close\r\n\r\n"
        )


def test_redirect_to_metadata__not_followed(settings, resolver):
    redirecting = RedirectServer()
    try:
        settings.OUTBOUND_ALLOW_PRIVATE = ["127.0.0.1"]
        with pytest.raises(ContractBroken, match="302"):
            _gateway().request("GET", redirecting.url("/redirect"))
    finally:
        redirecting.close()
    assert "169.254.169.254" not in resolver.asked


# -- the allowance: sandbox mode and OUTBOUND_ALLOW_PRIVATE ------------------------------


def test_sandbox_mode__reaches_the_sandbox_address(settings, server):
    settings.OUTBOUND_ALLOW_PRIVATE = []
    settings.SANDBOX_URL = server.url("")
    assert _gateway(sandbox=True).request("GET", server.url("/ok")).status == 200


def test_live_mode__same_sandbox_address__refused(settings, server):
    settings.OUTBOUND_ALLOW_PRIVATE = []
    settings.SANDBOX_URL = server.url("")
    with pytest.raises(DestinationForbidden):
        _gateway().request("GET", server.url("/ok"))


def test_sandbox_mode__another_port_on_the_sandbox_host__refused(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = []
    settings.SANDBOX_URL = "http://127.0.0.1:8765"
    with pytest.raises(DestinationForbidden):
        _gateway(sandbox=True).request("GET", "http://127.0.0.1:5432/")


class KeepAlive(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # connections stay open for the next request

    def do_GET(self):
        self.server.connections.add(self.client_address)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def test_pooled_sandbox_connection__not_reused_by_a_live_call(settings, resolver):
    """A keep-alive connection opened in sandbox mode is checked again for a live call."""
    keep = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    keep.connections = set()
    threading.Thread(target=keep.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{keep.server_address[1]}"
    try:
        settings.OUTBOUND_ALLOW_PRIVATE, settings.SANDBOX_URL = [], url
        assert _gateway(sandbox=True).request("GET", url + "/a").status == 200
        assert _gateway(sandbox=True).request("GET", url + "/b").status == 200
        assert len(keep.connections) == 1  # the second call reused the pooled connection
        with pytest.raises(DestinationForbidden):
            _gateway().request("GET", url + "/c")
    finally:
        keep.shutdown()
        keep.server_close()


def test_allow_private__listed_network__reached(settings, server):
    settings.OUTBOUND_ALLOW_PRIVATE = ["127.0.0.0/8"]
    assert _gateway().request("GET", server.url("/ok")).status == 200


def test_allow_private__never_allows_a_metadata_address(settings, resolver):
    settings.OUTBOUND_ALLOW_PRIVATE = ["169.254.0.0/16", "fd00::/8", "100.64.0.0/10"]
    for address in ("169.254.169.254", "[fd00:ec2::254]", "100.100.100.200"):
        with pytest.raises(DestinationForbidden, match="metadata"):
            _gateway().request("GET", f"http://{address}/")


def test_allow_private__malformed_entry__config_error_naming_it(settings, resolver):
    settings.OUTBOUND_ALLOW_PRIVATE = ["intranet.example"]
    with pytest.raises(ConfigInvalid, match="intranet.example"):
        _gateway()


# -- save time: the same rule -------------------------------------------------------------


@pytest.mark.parametrize("address", HOSTILE.values(), ids=HOSTILE.keys())
def test_save__hostile_address__refused(no_allowance, address):
    with pytest.raises(ValidationError):
        validate_base_url(f"http://{_host(address)}/")


@pytest.mark.parametrize(
    "url", ["http://metadata.google.internal/", "http://localhost/", "http://127.0.0.1:5432/"]
)
def test_save__issue_examples__refused(no_allowance, url):
    with pytest.raises(ValidationError):
        validate_base_url(url)


def test_save__the_sandbox_address_as_a_live_url__refused(no_allowance):
    """The sandbox allowance is for sandbox-mode calls; a live URL never points there."""
    with pytest.raises(ValidationError):
        validate_base_url("http://127.0.0.1:8765/shopify")


# -- recorded like any other failure, never a 500 ----------------------------------------


@pytest.mark.django_db
def test_probe__forbidden_destination__recorded_as_a_failed_check(no_allowance, resolver, operator):
    resolver.answers["shop.probe.test"] = ["10.0.0.5"]
    make_integration("shop")
    client = APIClient()
    client.force_authenticate(operator)
    response = client.post("/api/v1/integrations/shop/probe/")
    assert response.status_code == 200
    check = CheckResult.objects.get()
    assert check.status == "fail" and check.error_class == "forbidden"
    assert "10.0.0.5" in check.message


@pytest.mark.django_db
def test_webhook_channel__private_url__refused_and_not_retried(no_allowance, resolver, monkeypatch):
    monkeypatch.setenv("HOOK_SECRET", "whsec_" + "a" * 32)
    resolver.answers["hooks.ops.example"] = ["192.168.1.10"]
    channel = Channel.objects.create(
        name="hook", kind="webhook", url="https://hooks.ops.example/in", secret_env="HOOK_SECRET"
    )
    with pytest.raises(DestinationForbidden) as refused:
        channels.send(channel, {"key": "k1", "text": "t"})
    assert refused.value.retryable is False


# -- what the approver signs off ------------------------------------------------------------


@pytest.mark.django_db
def test_switch_live__summary_shows_the_destination_url(monkeypatch):
    monkeypatch.setenv("SHOP_TOKEN", "x")
    integration = Integration.objects.create(
        slug="shop",
        name="Shop",
        kind="http",
        base_url="https://hot-rod-an.myshopify.com",
        credential_env={"token": "SHOP_TOKEN"},
    )
    action = registry.get("integrations.switch_live")
    before = action.precondition({"slug": integration.slug})
    rows = dict(action.summary({"slug": integration.slug}, before))
    assert rows["destination"] == "https://hot-rod-an.myshopify.com"
