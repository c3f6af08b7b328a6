"""Live actions that talk to a vendor: a Chatwoot reply, a Publer post.

Each goes through the integration's vendor client (sandbox or live, by its
mode). The precondition binds the integration's mode into the approval, so a
reply approved against the sandbox is never sent to the real vendor (drift →
conflict). Gateway errors map onto the registry's outcome contract: refused
before or by the vendor → ActionFailed; sent and no usable answer → OutcomeUnknown.
Neither vendor takes an idempotency key, so the request's key goes in the
result only; an unknown outcome waits for a person (no reconcile hook yet).
"""

from __future__ import annotations

from approvals import registry
from hotdash.errors import NotFound, ValidationFailed
from integrations.http import (
    AuthRejected,
    CircuitOpen,
    ConfigInvalid,
    GatewayError,
    RequestRejected,
    Throttled,
)
from integrations.models import Integration

# Answers that prove the vendor did not act (or that the call never left).
NOT_PERFORMED = (AuthRejected, CircuitOpen, ConfigInvalid, RequestRejected, Throttled)
SLUG = {"type": "string", "pattern": r"^[-a-zA-Z0-9_]{1,80}$"}

REPLY_SCHEMA = {
    "type": "object",
    "properties": {
        "integration": SLUG,
        "conversation_id": {"type": "integer", "minimum": 1},
        "content": {"type": "string", "minLength": 1, "maxLength": 5000},
        "private": {"type": "boolean"},
    },
    "required": ["conversation_id", "content"],
    "additionalProperties": False,
}
POST_SCHEMA = {
    "type": "object",
    "properties": {
        "integration": SLUG,
        "network": {"type": "string", "pattern": r"^[a-z_]{2,30}$"},
        "text": {"type": "string", "minLength": 1, "maxLength": 5000},
        "account_ids": {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": 64},
            "minItems": 1,
            "maxItems": 20,
        },
        "scheduled_at": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?.*[Z+-]"},
    },
    "required": ["network", "text", "account_ids"],
    "additionalProperties": False,
}


def vendor_call(call):
    """Run one vendor call, translating gateway errors into the registry's outcomes."""
    try:
        return call()
    except GatewayError as error:
        if not error.sent or isinstance(error, NOT_PERFORMED):
            raise registry.ActionFailed(error.detail) from error
        raise registry.OutcomeUnknown(error.detail) from error


def _integration(params: dict, default: str) -> Integration:
    slug = params.get("integration", default)
    integration = Integration.objects.filter(slug=slug).first()
    if integration is None:
        raise NotFound(f"No integration {slug!r}.")
    if not integration.enabled:
        raise ValidationFailed(f"{slug} is disabled.", code="integration_disabled")
    return integration


def _mode_snapshot(default: str):
    def snapshot(params: dict) -> dict:
        integration = _integration(params, default)
        return {"integration": integration.slug, "mode": integration.mode}

    return snapshot


def send_reply(params: dict, idempotency_key: str) -> dict:
    """Post the approved reply to the conversation; returns Chatwoot's message id."""
    from integrations.clients.chatwoot import ChatwootClient

    client = ChatwootClient(_integration(params, "chatwoot"))
    message = vendor_call(
        lambda: client.send_message(
            params["conversation_id"], params["content"], private=params.get("private", False)
        )
    )
    return {"message_id": message.get("id"), "conversation_id": params["conversation_id"]}


def publish_post(params: dict, idempotency_key: str) -> dict:
    """Schedule (with `scheduled_at`) or publish the post, then follow Publer's job briefly.

    A job finishing with failures for every account → ActionFailed; a job still
    working after the polls → succeeded with `job_status: working` (Publer has it).
    """
    from integrations.clients.publer import PublerClient

    client = PublerClient(_integration(params, "publer"))
    accounts = [{"id": account} for account in params["account_ids"]]
    if params.get("scheduled_at"):
        accounts = [{**a, "scheduled_at": params["scheduled_at"]} for a in accounts]
    post = {
        "networks": {params["network"]: {"type": "status", "text": params["text"]}},
        "accounts": accounts,
    }
    submit = client.schedule if params.get("scheduled_at") else client.publish_now
    job_id = vendor_call(lambda: submit([post]))
    try:
        job = client.wait_for_job(job_id, poll_s=1.0, polls=10)
    except GatewayError:
        return {"job_id": job_id, "job_status": "working"}
    if job.failures and set(job.failures) >= set(params["account_ids"]):
        raise registry.ActionFailed(f"Publer job {job_id} failed for every account: {job.failures}")
    return {"job_id": job_id, "job_status": job.status, "failures": job.failures}


def _reply_rows(params: dict, before: dict) -> list[tuple[str, str]]:
    return [
        ("integration", f"{before.get('integration')} ({before.get('mode')})"),
        ("conversation", f"#{params['conversation_id']}"),
        ("reply", params["content"]),
        ("visibility", "private note" if params.get("private") else "sent to the customer"),
    ]


def _post_rows(params: dict, before: dict) -> list[tuple[str, str]]:
    return [
        ("integration", f"{before.get('integration')} ({before.get('mode')})"),
        ("network", params["network"]),
        ("accounts", ", ".join(params["account_ids"])),
        ("when", params.get("scheduled_at") or "now"),
        ("text", params["text"]),
    ]


def register() -> None:
    registry.register(
        "chatwoot.send_reply",
        schema=REPLY_SCHEMA,
        risk=registry.LIVE,
        required_approvals=1,
        perform=send_reply,
        precondition=_mode_snapshot("chatwoot"),
        target=lambda p: f"chatwoot.Conversation:{p['conversation_id']}",
        integration=lambda p: p.get("integration", "chatwoot"),
        summary=_reply_rows,
        description="Send a reply to a customer conversation in Chatwoot.",
        replace=True,
    )
    registry.register(
        "publer.publish_post",
        schema=POST_SCHEMA,
        risk=registry.LIVE,
        required_approvals=1,
        perform=publish_post,
        precondition=_mode_snapshot("publer"),
        target=lambda p: f"publer.Post:{p['network']}",
        integration=lambda p: p.get("integration", "publer"),
        summary=_post_rows,
        description="Publish now, or schedule, a social post through Publer.",
        replace=True,
    )
