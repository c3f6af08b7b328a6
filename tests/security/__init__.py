"""Hostile cases, one test per case (issue 14; docs/security.md lists what each defence covers)."""
