"""System checks of governance: every model of the project's apps has a role declaration,
and every declaration names models and permissions that exist. Registered in
`ApprovalsConfig.ready()`; `manage.py check` runs them (docs/troubleshooting.md).

"The project's apps" are the apps whose package sits in `BASE_DIR` (not the
installed libraries), so a new app is checked without being listed anywhere.
"""

from __future__ import annotations

from pathlib import Path

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.checks import Error

from approvals import roles


def project_apps(app_configs=None) -> list[AppConfig]:
    """The app configs of this project's own apps (their package is in BASE_DIR)."""
    base = Path(settings.BASE_DIR).resolve()
    configs = app_configs if app_configs is not None else apps.get_app_configs()
    return [config for config in configs if Path(config.path).resolve().parent == base]


def roles_coverage_check(app_configs=None, **kwargs) -> list[Error]:
    """approvals.E001: a concrete model no role declaration decides about."""
    declared = roles.declarations()
    errors = []
    for config in project_apps(app_configs):
        covered = declared[config.label].covered if config.label in declared else set()
        for model in config.get_models():
            if model._meta.model_name not in covered:
                errors.append(
                    Error(
                        f"{model._meta.label} is not covered by any role declaration.",
                        hint=(
                            f"In {config.name}/apps.py ready(), add '{model._meta.model_name}' "
                            "to roles.declare(..., view=[...]) or, if no role may see it, "
                            "to hidden=[...]."
                        ),
                        obj=model,
                        id="approvals.E001",
                    )
                )
    return errors


def roles_names_check(app_configs=None, **kwargs) -> list[Error]:
    """approvals.E002: a declaration naming an app, model or permission that does not exist."""
    errors = []
    wanted = None if app_configs is None else {config.label for config in app_configs}
    for label, declaration in roles.declarations().items():
        if wanted is not None and label not in wanted:
            continue
        try:
            config = apps.get_app_config(label)
        except LookupError:
            errors.append(_unknown(label, f"app '{label}'"))
            continue
        models = {model._meta.model_name: model for model in config.get_models()}
        codenames = {codename for model in models.values() for codename in _codenames(model)}
        for name in declaration.covered - set(models):
            errors.append(_unknown(label, f"model '{name}'"))
        for codename in {*declaration.operate, *declaration.approve} - codenames:
            errors.append(_unknown(label, f"permission '{codename}'"))
    return errors


def _codenames(model) -> set[str]:
    meta = model._meta
    default = {f"{action}_{meta.model_name}" for action in meta.default_permissions}
    return default | {codename for codename, _ in meta.permissions}


def _unknown(label: str, what: str) -> Error:
    return Error(
        f"The role declaration of '{label}' names {what}, which does not exist.",
        hint="Rename or remove it in that app's roles.declare(...) call (apps.py ready()).",
        id="approvals.E002",
    )
