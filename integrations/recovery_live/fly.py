"""`fly.app_restart` (live, 1 approval): restart the Fly.io Machines of the app hosting an
integration.

Which app: `Integration.config["hosting"] = {"provider": "fly", "app": "...",
"token_env": "FLY_API_TOKEN"}` (the catalogue sets it for the services served
from *.fly.dev). The restart goes to every `started` Machine in turn, through
the Machines API (`POST /v1/apps/{app}/machines/{id}/restart`,
fly.io/docs/machines/api/machines-resource), not a rolling restart: the service
may drop connections for a few seconds.

Fly takes no idempotency key. A request is executed at most once by approvals;
after a lost answer, `reconcile` reads the Machines' events back: a user restart
since the execution started means it happened.
"""

from __future__ import annotations

import re
from datetime import timedelta

from approvals import registry
from hotdash.errors import ValidationFailed
from integrations.actions.vendor import NOT_PERFORMED
from integrations.clients.fly import FLY, FlyClient, Machine
from integrations.clients.platform import platform_base_url
from integrations.http import GatewayError
from integrations.models import Integration
from integrations.selectors import integration_by_slug

from .common import as_failure, execution_started_at, read, register_live, token_present, where

APP_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
CLOCK_SKEW = timedelta(seconds=5)  # between our clock and Fly's event timestamps


def fly_hosting(integration: Integration) -> dict:
    """`{"app", "token_env"}` from config["hosting"]; 400 `hosting_missing` when it is not Fly."""
    hosting = (integration.config or {}).get("hosting")
    if not isinstance(hosting, dict) or hosting.get("provider") != "fly":
        raise ValidationFailed(
            f"{integration.slug} has no Fly hosting: set config.hosting to "
            '{"provider": "fly", "app": "<fly app>", "token_env": "FLY_API_TOKEN"}.',
            code="hosting_missing",
        )
    app = str(hosting.get("app") or "")
    if not APP_NAME.fullmatch(app):
        raise ValidationFailed(
            f"{integration.slug}: config.hosting.app {app!r} is not a Fly app name.",
            code="hosting_missing",
        )
    return {"app": app, "token_env": str(hosting.get("token_env") or "FLY_API_TOKEN")}


def precondition(params: dict) -> dict:
    """What is approved: the integration's mode, its Fly app and token variable (no vendor
    call). Refuses (400) without Fly hosting, or live without the token variable set."""
    integration = integration_by_slug(params["slug"])
    hosting = fly_hosting(integration)
    token_present(integration, hosting["token_env"])
    return {"integration": integration.slug, "mode": integration.mode, **hosting}


def _client(integration: Integration) -> tuple[FlyClient, str]:
    hosting = as_failure(lambda: fly_hosting(integration))
    client = as_failure(lambda: FlyClient(integration, token_env=hosting["token_env"]))
    return client, hosting["app"]


def perform(params: dict, idempotency_key: str) -> dict:
    """Restart every started Machine of the app; returns which were restarted.

    1. Read the Machines (a failure: nothing done → ActionFailed); none started → ActionFailed.
    2. Restart each in turn. A lost answer → OutcomeUnknown at once (no more
       restarts while unsure); a definite refusal is noted and the rest go on.
    3. Nothing restarted at all → ActionFailed with each Machine's reason.
    """
    integration = integration_by_slug(params["slug"])
    client, app = _client(integration)
    machines = read(lambda: client.machines(app), f"listing the Machines of {app}")
    started = [m for m in machines if m.state == "started"]
    if not started:
        states = ", ".join(f"{m.id} {m.state}" for m in machines) or "no Machines"
        raise registry.ActionFailed(f"Fly app {app} has no started Machine ({states}).")
    restarted, refused = _restart_each(client, app, started)
    if not restarted:
        raise registry.ActionFailed(f"Fly app {app}: no Machine restarted ({refused}).")
    return {"app": app, "restarted": restarted, "refused": refused, "mode": integration.mode}


def _restart_each(client: FlyClient, app: str, machines: list[Machine]):
    restarted, refused = [], {}
    for machine in machines:
        try:
            client.restart(app, machine.id)
        except GatewayError as error:
            if error.sent and not isinstance(error, NOT_PERFORMED):
                done = ", ".join(restarted) or "none"
                raise registry.OutcomeUnknown(
                    f"restart of {machine.id} sent, no answer ({error.detail}); "
                    f"restarted before it: {done}"
                ) from error
            refused[machine.id] = error.detail
            continue
        restarted.append(machine.id)
    return restarted, refused


def reconcile(params: dict, idempotency_key: str) -> dict | None:
    """After a lost answer: did a user restart reach any Machine since the execution started?
    performed True/False, or None while Fly cannot be read."""
    since = execution_started_at(idempotency_key)
    if since is None:
        return None
    integration = integration_by_slug(params["slug"])
    try:
        client, app = _client(integration)
        machines = client.machines(app)
    except (registry.ActionFailed, GatewayError):
        return None
    restarted = [m.id for m in machines if m.restarted_since(since - CLOCK_SKEW)]
    return {"performed": bool(restarted), "app": app, "restarted": restarted}


def _rows(params: dict, before: dict) -> list[tuple[str, str]]:
    integration, label = where(params["slug"])
    return [
        ("integration", label),
        ("Fly app", before.get("app", "?")),
        ("Machines API", platform_base_url(integration, FLY) if integration else "?"),
        ("token variable", before.get("token_env", "?")),
        ("effect", "every started Machine restarts in turn; connections drop for seconds"),
    ]


def register() -> None:
    register_live(
        "fly.app_restart",
        perform=perform,
        precondition=precondition,
        reconcile=reconcile,
        summary=_rows,
        description="Restart the Fly.io Machines of the app hosting the integration.",
    )
