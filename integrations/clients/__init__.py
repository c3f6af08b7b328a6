"""Typed vendor clients, one module per vendor. Each calls out only through integrations.http."""
