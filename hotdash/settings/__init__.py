"""Settings profiles: base (default, from the environment), test, production."""
