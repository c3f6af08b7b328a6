from django.apps import AppConfig


class HotdashConfig(AppConfig):
    """The project as an app: platform-wide commands (seed), schedules and composed tiles."""

    name = "hotdash"
    verbose_name = "HotDash"

    def ready(self) -> None:
        """Register the integration-status tile (it composes monitoring and integrations),
        what the roles may do with API tokens, the schedule and cluster checks, and the
        audit of logins (hotdash/logins.py)."""
        from django.core import checks as django_checks

        from approvals import roles
        from hotdash import checks, logins, tiles  # noqa: F401 (logins connects its receivers)

        tiles.register()
        # Operators create and revoke their own tokens only (see hotdash.admin).
        # The web's identity (hotdash/identity.py) is bookkeeping no role needs to see.
        roles.declare(
            "hotdash",
            view=["apitoken"],
            operate=["add_apitoken", "change_apitoken"],
            hidden=["identity"],
        )
        django_checks.register(checks.schedules_check)
        django_checks.register(checks.q_cluster_check)
        django_checks.register(checks.schedules_stored_check, django_checks.Tags.database)
