"""`manage.py audit_verify`: recompute the audit chain; exit 1 at the first broken link."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from approvals.audit import audit_verify


class Command(BaseCommand):
    help = "Recompute the audit trail's hash chain and check it against the checkpoints."

    def handle(self, *args, **options):
        tty = sys.stderr.isatty()

        def progress(checked: int) -> None:
            self.stderr.write(f"\rchecked {checked:,} events", ending="")
            self.stderr.flush()

        report = audit_verify(progress=progress if tty else None)
        if tty:
            self.stderr.write("")
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
