"""The environment, read once: `.env`, the running demo's `var/demo.env` (development
profile only), then `read_config` (env.py). A bad variable stops start-up with one line."""

import os

import environ

from .env import BASE_DIR, ConfigError, read_config

_dotenv = BASE_DIR / ".env"
if _dotenv.is_file():
    environ.Env.read_env(str(_dotenv))
# The running demo's variables (DEBUG, SANDBOX_URL…), so manage.py works in a second
# terminal as typed; only in this development profile, never in production or tests.
_demo_env = BASE_DIR / "var" / "demo.env"
if os.environ.get("DJANGO_SETTINGS_MODULE") == "hotdash.settings.base" and _demo_env.is_file():
    environ.Env.read_env(str(_demo_env))

try:
    CONFIG = read_config(os.environ)
except ConfigError as exc:
    # One line naming the variable, no traceback: manage.py, gunicorn and the
    # job cluster all stop here with exit status 1.
    raise SystemExit(f"hotdash: configuration error: {exc}") from None
