"""`manage.py audit_verify`: recompute the audit chain and check it against the signed
checkpoints; exit 1 at the first broken link.

`--expect-seq N --expect-hash H` adds a witness: a head seen outside the database (the
`audit checkpoint n=… seq=… head=…` log line, the metrics, the weekly mail). Event N must
still exist with hash H (the full hash or its first 16+ hex digits).

Progress goes to stderr: a bar on a terminal, a plain line every 10 % otherwise.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from approvals.audit import Witness, audit_verify
from approvals.models import AuditEvent
from hotdash.progress import Progress


class Command(BaseCommand):
    help = "Recompute the audit trail's hash chain and check it against the signed checkpoints."

    def add_arguments(self, parser):
        parser.add_argument("--expect-seq", type=int, help="a head's seq seen outside the database")
        parser.add_argument("--expect-hash", help="that head's hash (64 hex digits, or 16+)")

    def handle(self, *args, **options):
        witness = self._witness(options["expect_seq"], options["expect_hash"])
        # The head's seq is the row count of an intact chain, read from the index (no COUNT).
        total = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        with Progress(total, "verifying audit events") as bar:
            report = audit_verify(
                witness=witness, progress=lambda checked: bar.advance(checked - bar.done)
            )
            bar.advance(max(report.checked - bar.done, 0))
        if report.ok:
            self.stdout.write(
                f"audit chain intact: {report.checked:,} events, head #{report.head_seq} "
                f"{report.head_hash[:16]}…, last signed checkpoint #{report.checkpoint_seq}"
                + (f", witness #{witness.seq} matches" if witness else "")
            )
            return
        problem = report.first_break
        raise CommandError(
            f"audit chain broken at #{problem.seq} ({problem.kind}): {problem.detail}; "
            f"{report.checked:,} events verified before it",
            returncode=1,
        )

    @staticmethod
    def _witness(seq: int | None, hash_: str | None) -> Witness | None:
        if seq is None and hash_ is None:
            return None
        hash_ = (hash_ or "").strip().lower()
        if seq is None or seq < 1 or not 16 <= len(hash_) <= 64:
            raise CommandError("--expect-seq N (N >= 1) and --expect-hash with 16 to 64 hex digits")
        if any(c not in "0123456789abcdef" for c in hash_):
            raise CommandError("--expect-hash must be hexadecimal")
        return Witness(seq=seq, hash=hash_)
