"""The audit trail: append-only, hash-chained, checkpointed.

audit_record(actor=..., verb=..., target=..., changes=...)   # append one event
audit_verify(witness=Witness(seq, hash))                    # recompute the chain, check it
                                                            # against the signed checkpoints
audit_checkpoint_write()                                    # sign and log the head (a job)
"""

from approvals.audit.anchor import Witness
from approvals.audit.context import Actor, RequestContext
from approvals.audit.record import audit_checkpoint_write, audit_record
from approvals.audit.verify import Break, VerifyReport, audit_verify

__all__ = [
    "Actor",
    "Break",
    "RequestContext",
    "VerifyReport",
    "Witness",
    "audit_checkpoint_write",
    "audit_record",
    "audit_verify",
]
