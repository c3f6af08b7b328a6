from django.apps import AppConfig


class HotdashConfig(AppConfig):
    """The project as an app: platform-wide commands (seed) and schedules."""

    name = "hotdash"
    verbose_name = "HotDash"
