"""WSGI entry point (gunicorn config.wsgi). Production settings unless told otherwise."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from config.dotenv import load_dotenv

load_dotenv()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

django_application = get_wsgi_application()
# The URLconf (every view, the API and its schemas) loaded now, as each worker starts,
# not by its first request: Django would load it then, and that request would wait for
# it (0.3 s on the development machine idle, over a second loaded), so after every
# deploy or worker restart one gate call per worker kept its car waiting. A URLconf
# that fails to load now stops the worker at boot, where the error is seen.
get_resolver().url_patterns  # noqa: B018 (loading is the point)


def application(environ, start_response):
    """Django's answer, without a body for HEAD.

    Django writes a HEAD answer's body as for GET and leaves dropping it to the server
    (its own runserver does); gunicorn drops it too, but logs a warning for each one,
    and load balancers and uptime monitors probe with HEAD. The headers, Content-Length
    included, stay as for GET, as HTTP asks.
    """
    answer = django_application(environ, start_response)
    if environ.get("REQUEST_METHOD") != "HEAD":
        return answer
    if hasattr(answer, "close"):
        answer.close()  # Django's request_finished: database connections go back
    return []
