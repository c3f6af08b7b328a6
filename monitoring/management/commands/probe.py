"""`manage.py probe [slug ...] [--all]`: probe now and print what was seen.

Exit status, for scripts (`manage.py probe --all || page-someone`): 0 every probe ok,
1 bad usage or configuration (Django's CommandError), 2 at least one probe failed,
3 none failed but at least one was degraded (slower than its `degraded_latency_ms`).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from hotdash.progress import Progress
from integrations.models import Integration, IntegrationState
from monitoring.engine import probe_now
from monitoring.models import CheckResult
from monitoring.pool import DbThreadPool

CHUNK = 50
EXIT_FAILED, EXIT_DEGRADED = 2, 3


class Command(BaseCommand):
    help = (
        "Probe integrations now (by slug, or --all enabled ones) and print a result table. "
        "Exit status: 0 every probe ok; 1 bad usage; 2 at least one probe failed; "
        "3 none failed, at least one degraded."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="integration slugs")
        parser.add_argument("--all", action="store_true", help="every enabled integration")
        parser.add_argument("--concurrency", type=int, default=16)

    def handle(self, *args, slugs: list[str], all: bool, concurrency: int, **options):
        integrations = self._select(slugs, all)
        checks = {}
        with DbThreadPool(concurrency) as pool, Progress(len(integrations), "probing") as bar:
            for start in range(0, len(integrations), CHUNK):
                chunk = integrations[start : start + CHUNK]
                checks.update((c.integration_id, c) for c in probe_now(chunk, pool=pool).checks)
                bar.advance(len(chunk))
        self._print_table(integrations, checks)
        status = exit_status(c.status for c in checks.values())
        if status:
            raise SystemExit(status)

    def _select(self, slugs: list[str], all_: bool) -> list[Integration]:
        if all_ == bool(slugs):
            raise CommandError("give integration slugs or --all (not both, not neither)")
        if all_:
            return list(Integration.objects.enabled().order_by("slug"))
        found = {i.slug: i for i in Integration.objects.filter(slug__in=slugs)}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            raise CommandError(f"unknown integration(s): {', '.join(unknown)}")
        disabled = [slug for slug in slugs if not found[slug].enabled]
        if disabled:
            raise CommandError(f"disabled integration(s), not probed: {', '.join(disabled)}")
        return [found[slug] for slug in slugs]

    def _print_table(self, integrations: list[Integration], checks: dict) -> None:
        states = IntegrationState.objects.in_bulk([i.pk for i in integrations])
        self.stdout.write(
            f"{'integration':<24} {'result':<9} {'state':<12} {'ms':>7} {'http':>4}  detail"
        )
        for integration in integrations:
            check = checks[integration.pk]
            ms = "-" if check.latency_ms is None else f"{check.latency_ms:.0f}"
            detail = f"{check.error_class} {check.message}".strip()
            self.stdout.write(
                f"{integration.slug:<24} {check.status:<9} {states[integration.pk].status:<12} "
                f"{ms:>7} {check.http_status or '-':>4}  {detail}"
            )


def exit_status(statuses) -> int:
    """0 when every status is ok, EXIT_FAILED if any failed, else EXIT_DEGRADED if any was
    degraded."""
    seen = set(statuses)
    if CheckResult.Status.FAIL in seen:
        return EXIT_FAILED
    return EXIT_DEGRADED if CheckResult.Status.DEGRADED in seen else 0
