"""What the platform has seen and done: probe results, state transitions, rollups, incidents,
alerts and maintenance windows."""

from monitoring.models.alerting import Channel, MaintenanceWindow, Notification
from monitoring.models.checks import CheckResult, CheckRollup, Lease, StateTransition
from monitoring.models.incidents import Incident, IncidentEvent

__all__ = [
    "Channel",
    "CheckResult",
    "CheckRollup",
    "Incident",
    "IncidentEvent",
    "Lease",
    "MaintenanceWindow",
    "Notification",
    "StateTransition",
]
