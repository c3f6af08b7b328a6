"""A gold reply: stored for the support knowledge base, then offered as a Chatwoot reply.

The support team's tool posts a reply a person already judged exemplary
(`POST /api/webhooks/gold-replies`, schema in receivers.GOLD_REPLY_SCHEMA).
Processing it:
1. stores it in Supabase `kb_gold_replies` (conversation_id, question, reply,
   approved_by), through the Supabase client (the vendor sandbox in sandbox mode),
   unless the same reply for the same conversation and author is already there;
2. asks for approval to send it as a Chatwoot reply (`chatwoot.send_reply`, a
   live action registered by integrations.actions), with an idempotency key per
   event, so a retry finds the same request instead of making another.
Both steps are idempotent, so a retried or replayed event stores and asks once.
"""

from __future__ import annotations

from approvals import registry
from approvals.audit import Actor
from hotdash.errors import ValidationFailed
from integrations.selectors import integration_by_slug
from integrations.webhooks.conf import knob

KB_TABLE = "kb_gold_replies"
REPLY_ACTION = "chatwoot.send_reply"


def gold_reply_process(event) -> dict:
    """Store and offer one gold reply; returns {"kb_row_id", "approval_request_id"}.
    Raises DomainError (permanent: missing integration or action) or GatewayError."""
    body = event.body
    row = kb_store(
        conversation_id=body["conversation_id"],
        question=body.get("question", ""),
        reply=body["reply"],
        author=body["author"],
    )
    request = reply_offer(event=event, kb_row_id=row.get("id"))
    return {"kb_row_id": row.get("id"), "approval_request_id": request.pk}


def kb_store(*, conversation_id: int, question: str, reply: str, author: str) -> dict:
    """The KB row for this reply: the existing one, else a new one (never two)."""
    from integrations.clients.supabase import SupabaseClient

    client = SupabaseClient(integration_by_slug(knob("GOLD_REPLY_SUPABASE")))
    existing = client.select(
        KB_TABLE,
        columns="id,reply",
        filters={"conversation_id": f"eq.{conversation_id}", "approved_by": f"eq.{author}"},
        limit=100,
    )
    for row in existing.rows:
        if row.get("reply") == reply:
            return row
    fields = {
        "conversation_id": conversation_id,
        "question": question,
        "reply": reply,
        "approved_by": author,
    }
    return client.insert(KB_TABLE, fields)[0]


def reply_offer(*, event, kb_row_id):
    """The approval request offering the reply in Chatwoot (created once per event)."""
    from approvals.services import approval_request_create

    if registry.find(REPLY_ACTION) is None:
        raise ValidationFailed(
            f"The action {REPLY_ACTION} is not registered.", code="unknown_action"
        )
    body = event.body
    return approval_request_create(
        action=REPLY_ACTION,
        params={
            "integration": knob("GOLD_REPLY_INTEGRATION"),
            "conversation_id": body["conversation_id"],
            "content": body["reply"],
        },
        requested_by=Actor.webhook("gold_replies"),
        reason=f"Gold reply by {body['author']} (from {body['source']}).",
        context={"webhook_event_id": event.pk, "kb_row_id": kb_row_id, "source": body["source"]},
        idempotency_key=f"webhook-gold-reply-{event.pk}",
    )
