"""`manage.py sandbox [--host 127.0.0.1] [--port 8765] [--seed 42]`: run the vendor sandbox.

Thin interface over `sandbox.run` (the top-level `sandbox` package, docs/sandbox.md):
the server runs in the foreground of this process until Ctrl-C. It needs no
database. The package is imported when the command runs, so a deployment that
leaves the sandbox out still starts; there the command says so and stops.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

# The sandbox's own defaults (sandbox/server.py), repeated so `--help` works without it.
DEFAULT_HOST, DEFAULT_PORT, DEFAULT_SEED = "127.0.0.1", 8765, 42


class Command(BaseCommand):
    help = "Run the vendor sandbox (every vendor's wire format, with fault injection)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=DEFAULT_HOST)
        parser.add_argument("--port", type=int, default=DEFAULT_PORT)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--quiet", action="store_true", help="do not log every request")

    def handle(self, *args, host: str, port: int, seed: int, quiet: bool, **options) -> None:
        if not 0 <= port <= 65535:
            raise CommandError(f"--port must be between 0 and 65535, got {port}")
        try:
            from sandbox.server import run
        except ImportError:
            raise CommandError("the vendor sandbox is not installed in this deployment") from None
        try:
            run(host, port, seed, verbose=not quiet)
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
