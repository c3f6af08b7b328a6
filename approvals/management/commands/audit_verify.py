"""`manage.py audit_verify`: recompute the audit chain; exit 1 at the first broken link.

Progress goes to stderr: a bar on a terminal, a plain line every 10 % otherwise.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from approvals.audit import audit_verify
from approvals.models import AuditEvent
from hotdash.progress import Progress


class Command(BaseCommand):
    help = "Recompute the audit trail's hash chain and check it against the checkpoints."

    def handle(self, *args, **options):
        # The head's seq is the row count of an intact chain, read from the index (no COUNT).
        total = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        with Progress(total, "verifying audit events") as bar:
            report = audit_verify(progress=lambda checked: bar.advance(checked - bar.done))
            bar.advance(max(report.checked - bar.done, 0))
        if report.ok:
            self.stdout.write(
                f"audit chain intact: {report.checked:,} events, head #{report.head_seq} "
                f"{report.head_hash[:16]}…, last checkpoint #{report.checkpoint_seq}"
            )
            return
        problem = report.first_break
        raise CommandError(
            f"audit chain broken at #{problem.seq} ({problem.kind}): {problem.detail}; "
            f"{report.checked:,} events verified before it",
            returncode=1,
        )
