"""Health endpoints for load balancers, answered before host checks and HTTPS redirects.

`/healthz`: the process is up. `/readyz`: the database answers and every
migration is applied, so this server can take traffic.
"""

import logging

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.template.response import SimpleTemplateResponse

logger = logging.getLogger(__name__)
_migrations_applied = False  # once true in a process it stays true


def _unapplied_migrations() -> int:
    global _migrations_applied
    if _migrations_applied:
        return 0
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    _migrations_applied = not plan
    return len(plan)


def readiness() -> tuple[int, dict]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        pending = _unapplied_migrations()
    except DatabaseError as exc:
        logger.warning("not ready: database unavailable: %s", exc)
        return 503, {"status": "unavailable", "reason": "database unreachable"}
    if pending:
        return 503, {"status": "unavailable", "reason": f"unapplied migrations: {pending}"}
    return 200, {"status": "ready"}


class HealthCheckMiddleware:
    """Put first in MIDDLEWARE: load balancers probe by IP, over plain HTTP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            status, body = readiness()
            return JsonResponse(body, status=status)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A page whose database failed (unreachable, or a lock it could not get) is a 503
    asking to try again, not a server error.

    After LocaleMiddleware: the page is in the reader's language. (The JSON API
    answers its own 503; gate calls never reach this far.) The page needs nothing
    from the database: no session, no messages, no user.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable: %s", exception)
        response = SimpleTemplateResponse("503.html", status=503)
        response["Retry-After"] = "30"
        return response.render()
