"""The three roles as Django groups, and what each may do.

Governance owns the roles; each app owns what its roles may do with its own models and
declares it from its `AppConfig.ready()`, as it registers its actions:

    roles.declare(
        "monitoring",
        view=["incident", "finding", ...],       # every role reads these
        operate=["change_incident", ...],        # operators' extra permissions
        approve=[],                              # approvers' extra permissions
        hidden=["lease"],                        # deliberately seen by no role (superusers only)
    )

Every model of an app must be named in `view` or `hidden`: the system check
`approvals.E001` (approvals/checks.py) reports a model nobody declared, and
`approvals.E002` a declaration naming a model or permission that does not exist.
Names are strings, so governance imports none of the apps it governs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction

VIEWERS, OPERATORS, APPROVERS = "viewers", "operators", "approvers"


@dataclass(frozen=True)
class Declaration:
    """What one app's models mean to the roles: lower-case model names and codenames."""

    app_label: str
    view: tuple[str, ...]
    operate: tuple[str, ...]
    approve: tuple[str, ...]
    hidden: tuple[str, ...]

    @property
    def covered(self) -> set[str]:
        """The model names this declaration decides about (seen by every role, or by none)."""
        return set(self.view) | set(self.hidden)


_DECLARATIONS: dict[str, Declaration] = {}


def declare(
    app_label: str,
    *,
    view: Iterable[str] = (),
    operate: Iterable[str] = (),
    approve: Iterable[str] = (),
    hidden: Iterable[str] = (),
) -> Declaration:
    """Record (or replace) `app_label`'s role grants. Called from the app's `ready()`.

    `view`: models every role may view. `operate`: permission codenames operators
    (and approvers, who are operators too) get beyond viewing. `approve`: codenames only
    approvers get. `hidden`: models deliberately granted to no role. Returns the
    declaration; names are checked by the system checks, not here.
    """
    declaration = Declaration(
        app_label=app_label,
        view=tuple(name.lower() for name in view),
        operate=tuple(operate),
        approve=tuple(approve),
        hidden=tuple(name.lower() for name in hidden),
    )
    _DECLARATIONS[app_label] = declaration
    return declaration


def declarations() -> dict[str, Declaration]:
    """Every app's declaration, by app label (a copy)."""
    return dict(_DECLARATIONS)


def _permissions(spec: dict[str, list[str]]) -> list[Permission]:
    perms = []
    for app, codenames in spec.items():
        if codenames:
            perms += Permission.objects.filter(content_type__app_label=app, codename__in=codenames)
    return perms


@transaction.atomic
def roles_seed() -> dict[str, int]:
    """Create or refresh the role groups from the apps' declarations; returns the
    permission count of each group."""
    found = _DECLARATIONS.values()
    view = _permissions({d.app_label: [f"view_{m}" for m in d.view] for d in found})
    grants = {
        VIEWERS: view,
        OPERATORS: view + _permissions({d.app_label: list(d.operate) for d in found}),
        APPROVERS: view + _permissions({d.app_label: list(d.approve) for d in found}),
    }
    counts = {}
    for name, perms in grants.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(perms)
        counts[name] = len(perms)
    return counts


def _groups(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return set(user.groups.values_list("name", flat=True))


def can_read(user) -> bool:
    """Viewers, operators, approvers (and superusers) read governance data."""
    return bool(_groups(user) & {VIEWERS, OPERATORS, APPROVERS}) or _is_superuser(user)


def can_request(user) -> bool:
    """Operators and approvers (and superusers) may request actions."""
    return bool(_groups(user) & {OPERATORS, APPROVERS}) or _is_superuser(user)


def can_approve(user) -> bool:
    """Only active members of `approvers` decide: being a superuser is not a sign-off role."""
    return APPROVERS in _groups(user)


def _is_superuser(user) -> bool:
    return bool(user is not None and user.is_active and getattr(user, "is_superuser", False))
