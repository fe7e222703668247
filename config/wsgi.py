"""WSGI entry point (gunicorn config.wsgi). Production settings unless told otherwise."""

import os

from django.core.wsgi import get_wsgi_application

from config.dotenv import load_dotenv

load_dotenv()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()
