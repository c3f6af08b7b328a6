"""Re-sign the unfinished requests' payload hashes with the keyed HMAC (approvals.payload).

Before, payload_hash was an unkeyed sha256 of the payload's canonical JSON. A request that
may still run (pending, approved, executing, unknown) whose stored hash still matches its
payload under the old scheme gets the keyed hash, and so do the decisions made on it; a
request whose hash no longer matched is left alone (its drift check refuses it, as it would
have). Finished requests keep their old hash: nothing checks it again. Reversing leaves the
new hashes: unfinished requests would then be refused as `payload_changed`.
"""

import hashlib

from django.db import migrations

UNFINISHED = ("pending", "approved", "executing", "unknown")


def rehash(apps, schema_editor):
    from approvals.audit.chain import canonical_json
    from approvals.payload import payload_hash

    ApprovalRequest = apps.get_model("approvals", "ApprovalRequest")
    ApprovalDecision = apps.get_model("approvals", "ApprovalDecision")
    for request in ApprovalRequest.objects.filter(status__in=UNFINISHED).iterator():
        payload = {
            "action": request.action,
            "target": request.target,
            "params": request.params,
            "precondition": request.precondition,
        }
        old = hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()
        if old != request.payload_hash:
            continue
        new = payload_hash(**payload)
        ApprovalRequest.objects.filter(pk=request.pk).update(payload_hash=new)
        ApprovalDecision.objects.filter(request_id=request.pk, payload_hash=old).update(
            payload_hash=new
        )


class Migration(migrations.Migration):
    dependencies = [("approvals", "0004_drop_flag_last_evaluated_at")]

    operations = [migrations.RunPython(rehash, migrations.RunPython.noop)]
