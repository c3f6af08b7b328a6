"""The vendor sandbox: one HTTP server speaking every vendor's wire format, with faults.

Standard library (and graphql-core for Shopify's GraphQL), no Django: a component
outside the apps, which a production deployment can leave out. Start it with
`manage.py sandbox` or `python -m sandbox`; in tests use `start_server(port=0)`.
Importing `sandbox.data` alone does not load the server.
"""

from __future__ import annotations

__all__ = ["SandboxServer", "run", "start_server"]


def __getattr__(name: str):
    if name in __all__:
        from . import server

        return getattr(server, name)
    raise AttributeError(name)
