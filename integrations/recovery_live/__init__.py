"""Live recovery steps: actions that change a vendor, each needing one approval.

    fly.app_restart            restart the Fly Machines of the app hosting the integration
    supabase.project_resume    restore the paused Supabase project behind the integration
    shopify.webhooks_register  subscribe the store's webhooks again (operator-requested only)

Each takes `{"slug": ...}` (the playbooks pass the incident's integration), binds
what it would act on into a precondition snapshot, and has a `reconcile` that
reads the vendor back after a lost answer. None of these vendors accepts an
idempotency key for these calls; see each module for how repeats are avoided.
Registered from IntegrationsConfig.ready(); docs/recovery.md is the approver's guide.
"""

from integrations.recovery_live import fly, shopify, supabase


def register_all() -> None:
    fly.register()
    supabase.register()
    shopify.register()
