from django.apps import AppConfig


class HotdashConfig(AppConfig):
    """The project as an app: platform-wide commands (seed), schedules and composed tiles."""

    name = "hotdash"
    verbose_name = "HotDash"

    def ready(self) -> None:
        """Register the integration-status tile (it composes monitoring and integrations)."""
        from hotdash import tiles

        tiles.register()
