"""Gate calls skip the middleware that serves people in browsers.

A gate is a machine holding a bearer token. It has no session, no cookies, no
CSRF token, no messages to be shown and no page to be framed, and its display
speaks the gate's own language (Gate.language). Sessions, locale, common,
CSRF, authentication, messages and framing middleware cost a gate call as much
as its whole Django view (docs/performance.md), for nothing it uses.

Placed after the middleware that every request needs (the HTTPS redirect and
security headers, static files, the request log, JSON errors under /api/), this
one answers gate calls itself: the URL resolved and the view called as Django's
handler does, the request's language active for refusals made before the gate
is known (as LocaleMiddleware would), and a Content-Length on the answer (as
CommonMiddleware would: simple gate firmware reads a length, not chunks).
Everything else goes on down the stack.
"""

from django.urls import resolve
from django.utils import translation

# Where config.urls mounts the gate router of config.api (tests/test_gate_calls_stack.py).
GATE_PATH_PREFIX = "/api/gates/"


class GateCallMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(GATE_PATH_PREFIX):
            return self.get_response(request)
        translation.activate(translation.get_language_from_request(request))
        # An unknown path raises Resolver404: Django turns it into a 404 here, and
        # config.http.JsonApiErrorsMiddleware into JSON.
        match = resolve(request.path_info)
        request.resolver_match = match
        response = match.func(request, *match.args, **match.kwargs)
        if not response.streaming and not response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response
