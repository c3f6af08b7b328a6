from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        """Register the integrations' actions (switch live / sandbox, recovery steps)."""
        from integrations import actions, recovery_actions, recovery_live

        actions.register_all()
        recovery_actions.register_all()
        recovery_live.register_all()
