"""Inbound webhooks: verified, durable, idempotent, fast (docs/webhooks.md).

views.py       POST /webhooks/shopify/, /webhooks/chatwoot/, /api/webhooks/gold-replies
receivers.py   per source: authenticate, parse, name the event
signatures.py  HMAC and bearer checks in constant time, secrets by variable name
intake.py      capped body read, the insert (dedupe), the on-commit enqueue
processing.py  claim, run, record; replay; the sweeper; pruning
topics.py      what each topic does; refetch.py and gold.py do it
selectors.py   freshness per (source, topic)
models.py      WebhookEvent (imported by integrations.models)
"""
