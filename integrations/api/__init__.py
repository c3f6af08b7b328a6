"""REST API of the integrations app: tiles and the idea pool."""
