"""The Content Security Policy, on the responses a browser renders as pages."""

from csp.middleware import CSPMiddleware


class DocumentCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, skipping JSON answers.

    A policy governs documents; a JSON answer (every gate call, the kiosk's and
    the map's API) is never rendered as one, and `X-Content-Type-Options: nosniff`
    keeps browsers from treating it as one. django-csp builds both policies for
    every response before it applies its own exclusions: on a gate call that was
    about 15% of the request's CPU.
    """

    def process_response(self, request, response):
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        return super().process_response(request, response)
