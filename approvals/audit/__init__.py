"""The audit trail: append-only, hash-chained, checkpointed.

audit_record(actor=..., verb=..., target=..., changes=...)   # append one event
audit_verify()                                              # recompute the chain
audit_checkpoint_write()                                    # note the head (a job)
"""

from approvals.audit.context import Actor, RequestContext
from approvals.audit.record import audit_checkpoint_write, audit_record
from approvals.audit.verify import Break, VerifyReport, audit_verify

__all__ = [
    "Actor",
    "Break",
    "RequestContext",
    "VerifyReport",
    "audit_checkpoint_write",
    "audit_record",
    "audit_verify",
]
