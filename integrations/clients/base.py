"""What every vendor client shares: its integration, credentials, base URL and gateway."""

from __future__ import annotations

from typing import Any

from integrations.credentials import credentials_resolve
from integrations.http import Gateway


class VendorClient:
    """Base of the typed clients. Subclasses add the vendor's calls and quirks.

    A client is cheap: make one per unit of work (its gateway carries that
    work's deadline). `for_probe` bounds every call it makes by the
    integration's probe timeout in total.
    """

    def __init__(
        self,
        integration: Any,
        *,
        gateway: Gateway | None = None,
        credentials: dict[str, str] | None = None,
    ) -> None:
        self.integration = integration
        self.config: dict = integration.config or {}
        self.credentials = (
            credentials if credentials is not None else credentials_resolve(integration)
        )
        self.gateway = gateway or Gateway.for_integration(integration)
        for value in self.credentials.values():
            self.gateway.scrub.add(value)
        self.base_url = integration.effective_base_url.rstrip("/")

    @classmethod
    def for_probe(cls, integration: Any):
        """A client whose calls together must finish within `probe_timeout_seconds`."""
        gateway = Gateway.for_integration(integration, deadline_s=integration.probe_timeout_seconds)
        return cls(integration, gateway=gateway)

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"
