from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        """Register the integrations' actions (switch live / sandbox) with approvals."""
        from integrations import actions

        actions.register_all()
