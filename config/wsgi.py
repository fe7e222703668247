"""WSGI entry point (gunicorn config.wsgi). Production settings unless told otherwise."""

import os

from django.core.wsgi import get_wsgi_application

from config.dotenv import load_dotenv

load_dotenv()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

django_application = get_wsgi_application()


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
