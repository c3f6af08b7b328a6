"""Sandbox control: inject and clear vendor-sandbox faults for demos and drills.

Sandbox only: it talks to SANDBOX_URL through `sandbox.client`, the sandbox's own control
client, imported when a page is served. The page does not exist (404, no link) when
SANDBOX_CONSOLE_ENABLED is off, and is a 404 too where the sandbox package is left out.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from approvals.audit import audit_record
from hotdash.console import permissions
from hotdash.console.views import page_context
from hotdash.errors import DomainError
from integrations.models import Integration

FLAGS = ("outage", "throttle", "malformed", "wrong_auth")
OUTAGE_MODES = ("503", "reset", "hang")


def _enabled() -> None:
    if not getattr(settings, "SANDBOX_CONSOLE_ENABLED", True):
        raise Http404("The sandbox console is off in this deployment.")


def _sandbox():
    """The `sandbox.client` module, or 404 in a deployment without the sandbox package."""
    try:
        from sandbox import client
    except ImportError:
        raise Http404("The vendor sandbox is not installed in this deployment.") from None
    return client


def _control(client_module):
    return client_module.SandboxClient(settings.SANDBOX_URL, timeout=5.0)


def _users_of(keys) -> dict[str, list[str]]:
    """Which sandbox-mode integrations each fault key affects (by sandbox path)."""
    found: dict[str, list[str]] = {key: [] for key in keys}
    rows = Integration.objects.filter(mode=Integration.Mode.SANDBOX).values_list(
        "slug", "sandbox_path"
    )
    for slug, path in rows:
        path = path.strip("/")
        for key in keys:
            if path == key or path.startswith(key + "/"):
                found[key].append(slug)
    return found


def _active(faults: dict) -> list[str]:
    on = [name for name in FLAGS if faults.get(name)]
    if faults.get("latency_ms"):
        on.append(f"+{faults['latency_ms']} ms")
    if faults.get("error_rate"):
        on.append(f"{faults['error_rate'] * 100:.0f} % errors")
    return on


def sandbox_view(request):
    _enabled()
    permissions.require_view(request)
    sandbox = _sandbox()
    control = _control(sandbox)
    try:
        faults, problem = control.faults(), None
    except sandbox.SandboxError as error:
        faults, problem = {}, error.detail
    users = _users_of(faults)
    vendors = [
        {"key": key, "faults": value, "active": _active(value), "integrations": users[key]}
        for key, value in faults.items()
    ]
    context = page_context(
        request,
        "Sandbox control",
        sandbox_url=control.url,
        problem=problem,
        vendors=[v for v in vendors if "/" not in v["key"]],
        servers=[v for v in vendors if "/" in v["key"]],
        outage_modes=OUTAGE_MODES,
    )
    return render(request, "admin/console/sandbox.html", context)


def _number(text: str, kind: type):
    """The field as a number; anything else is sent as typed, so the sandbox's own
    validation names the field and the rule."""
    text = text.strip()
    try:
        return kind(text)
    except ValueError:
        return text


def _changes(post) -> dict:
    changes = {name: post.get(name) == "on" for name in FLAGS}
    changes["latency_ms"] = _number(post.get("latency_ms", "0") or "0", int)
    changes["error_rate"] = _number(post.get("error_rate", "0") or "0", float)
    changes["outage_mode"] = post.get("outage_mode", "503")
    return changes


@require_POST
def sandbox_apply_view(request):
    """POST vendor=KEY op=apply|clear, or op=reset: through the control API, then audited."""
    _enabled()
    permissions.require(request, "sandbox")
    sandbox = _sandbox()
    control = _control(sandbox)
    key, op = request.POST.get("vendor", ""), request.POST.get("op", "")
    try:
        if op == "reset":
            control.reset()
            changes, text = {}, "Sandbox reset: every fault cleared."
        elif op == "clear":
            changes = control.clear_faults(key)
            text = f"{key}: faults cleared."
        elif op == "apply":
            changes = control.set_faults(key, **_changes(request.POST))
            text = f"{key}: " + (", ".join(_active(changes)) or "no faults") + "."
        else:
            raise DomainError("Choose apply, clear or reset.", code="invalid")
    except (sandbox.SandboxError, DomainError) as error:
        field = getattr(error, "field", None) or getattr(error, "extra", {}).get("field")
        where = f"{key} · {field}: " if field else (f"{key}: " if key else "")
        messages.error(request, f"The sandbox refused: {where}{error.detail}")
    else:
        audit_record(
            actor=request.user,
            verb=f"sandbox.{op}",
            target=("sandbox.FaultKey", key or "*", key or "all vendors"),
            changes={"faults": changes},
            request=request,
        )
        messages.success(request, text)
    return HttpResponseRedirect(reverse("admin:console_sandbox") + (f"#sb-{key}" if key else ""))
