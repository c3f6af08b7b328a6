"""WSGI entry point (gunicorn hotdash.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotdash.settings.base")
application = get_wsgi_application()
