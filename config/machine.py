"""Gate calls skip the middleware that serves people in browsers.

A gate is a machine holding a bearer token. It has no session, no cookies, no
CSRF token, no messages to be shown and no page to be framed, and its display
speaks the gate's own language (Gate.language). Sessions, locale, CSRF,
authentication, messages and framing middleware cost a gate call about as much
as its whole Django view (docs/performance.md), for nothing it uses.

Placed after the middleware that every request needs (the HTTPS redirect and
security headers, static files, the request log, JSON errors under /api/), this
one answers gate calls itself: the views named `gate_*` under /api/gates/,
resolved and called as Django's handler calls a view, behind Django's
CommonMiddleware (the host checked against ALLOWED_HOSTS, DISALLOWED_USER_AGENTS,
a Content-Length on the answer: simple gate firmware reads a length, not chunks),
with the request's language active for refusals made before the gate is known,
as LocaleMiddleware would make it. Anything else, an unknown path under
/api/gates/ included, goes on down the whole stack; so does every request if a
database runs views in transactions (ATOMIC_REQUESTS): Django's handler would
wrap the view in one, and this middleware does not.
"""

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.middleware.common import CommonMiddleware
from django.urls import Resolver404, ResolverMatch, URLResolver, get_resolver, get_urlconf
from django.utils import translation

# Where config.urls mounts the gate router of config.api (tests/test_gate_calls_stack.py).
GATE_PATH_PREFIX = "/api/gates/"
# The URL names of the views answered here (parking.api; benchmarks.urls's references too).
GATE_VIEW_PREFIX = "gate_"


class GateCallMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # A chain as Django's handler builds one: each layer turns exceptions into answers.
        self.answer = convert_exception_to_response(
            CommonMiddleware(convert_exception_to_response(self._view))
        )
        self.in_use = not any(db.get("ATOMIC_REQUESTS") for db in settings.DATABASES.values())
        self.matches: dict[tuple[URLResolver, str], ResolverMatch] = {}

    def __call__(self, request):
        if self.in_use and request.path_info.startswith(GATE_PATH_PREFIX):
            match = self._gate_view(request.path_info)
            if match is not None:
                request.resolver_match = match
                translation.activate(translation.get_language_from_request(request))
                return self.answer(request)
        return self.get_response(request)

    def _gate_view(self, path: str) -> ResolverMatch | None:
        """The match of a gate view's path, resolved once per URLconf and kept.

        Resolving walks the URLconf's patterns at every request (about 40 us a call
        on the development machine, loaded). Gate views take no arguments from the
        path, so one match serves every call; only they are kept, so the paths
        anyone may send cannot grow this. A changed URLconf (tests) comes with a
        new resolver, and so with matches of its own.
        """
        resolver = get_resolver(get_urlconf())
        match = self.matches.get((resolver, path))
        if match is None:
            try:
                match = resolver.resolve(path)
            except Resolver404:
                return None
            if not (match.url_name or "").startswith(GATE_VIEW_PREFIX) or (
                iscoroutinefunction(match.func)
            ):
                return None
            self.matches[resolver, path] = match
        return match

    @staticmethod
    def _view(request):
        match = request.resolver_match
        return match.func(request, *match.args, **match.kwargs)
