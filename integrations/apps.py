from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        """Register the integrations' actions (switch live / sandbox, recovery steps), what
        the roles may do with the integrations' models, and the app's system checks."""
        from django.core import checks as django_checks

        from approvals import roles
        from integrations import actions, checks, recovery_actions, recovery_live

        actions.register_all()
        recovery_actions.register_all()
        recovery_live.register_all()
        roles.declare(
            "integrations",
            view=[
                "integration",
                "integrationstate",
                "tilesnapshot",
                "webhookevent",
                "webhookrejection",
            ],
            # Edit an integration's settings (mode stays read-only); replay a webhook event.
            operate=["change_integration", "change_webhookevent"],
        )
        django_checks.register(checks.probes_check)
        django_checks.register(checks.webhook_settings_check)
