"""Monitoring's writes (HackSoft style: `<entity>_<action>(*, keyword-only args)`).

One module per entity; import from the module (`from monitoring.services.probing import
integration_probe_now`): this package re-exports nothing, so the engine can call the
reactions without importing every service.

probing.py    integration_probe_now: an operator's probe, audited (API and console)
incidents.py  incident_open (or confirm, or re-open) / _acknowledge / _unacknowledge / _resolve,
              event_add (a line on the timeline)
alerting.py   the one alerting policy and its notifications: incident_notify (route, write a
              Notification per channel, enqueue on commit), notification_queue,
              notification_send, notifications_sweep, incident_resolve_announced,
              channels_seed
reactions.py  what a state change does (a StateTransition is a work item): transitions_react,
              transition_process, transitions_sweep, outage_begin / outage_end,
              signals_merge, incidents_escalate
maintenance.py maintenance_tick (windows and the enabled switch into states),
              integration_pause (an operator's one-off window from now, audited)
recovery.py   the playbooks: recovery_run_due (claimed), recovery_run, recoveries_sweep;
              request_event_to_timeline (approvals' outcomes on the incident)
signal_incidents.py  signal_sync: burn-rate, anomaly, business-flow and findings incidents
              through the same incident and alerting path (join, hold, hysteresis)
burn_alerts.py burn_alerts_evaluate: each SLO status (monitoring.slo.status) as a burn-rate
              signal incident
findings.py   finding_raise, findings_settle, finding_resolve, findings_sync (each
              integration's FINDING incident in step with its open findings)
"""
