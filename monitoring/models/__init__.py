"""What the platform has seen and done: probe results, state transitions, rollups, incidents,
alerts, maintenance windows, and the SLO jobs' findings and business counts."""

from monitoring.models.alerting import Channel, MaintenanceWindow, Notification
from monitoring.models.checks import CheckResult, CheckRollup, Lease, StateTransition
from monitoring.models.incidents import Incident, IncidentEvent
from monitoring.models.slo import Finding, FlowCount, SignalState

__all__ = [
    "Channel",
    "CheckResult",
    "CheckRollup",
    "Finding",
    "FlowCount",
    "Incident",
    "IncidentEvent",
    "Lease",
    "MaintenanceWindow",
    "Notification",
    "SignalState",
    "StateTransition",
]
