"""WSGI entry point (gunicorn hotdash.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotdash.settings.base")
application = get_wsgi_application()

# The job clusters compare their SECRET_KEY and schema with the web's (hotdash/identity.py).
from hotdash.identity import identity_publish_quietly  # noqa: E402 (needs the apps loaded)

identity_publish_quietly()
