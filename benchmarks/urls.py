"""The product's URLs plus reference views for the gate benchmark.

- a bare JSON view: the baseline the gate API is measured against, behind every
  middleware (/bench/bare), and the same view where gate calls are answered,
  behind the middleware they keep (config/machine.py);
- a floor: what a gate call through Django costs at the least, the same SQL
  function on the same connection with no validation, no refusals, no words,
  answered where gate calls are.

Used only by benchmarks (ROOT_URLCONF=benchmarks.urls); never in production.
"""

import json
import uuid
from datetime import timedelta

from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from benchmarks.common import GATE_STACK
from config.urls import urlpatterns as product_urlpatterns
from parking import fastpath
from parking.models import hash_token
from parking.plates import OCR_FOLD_FROM, OCR_FOLD_TO

SEEN, READ_TTL, REREAD = timedelta(seconds=60), timedelta(seconds=600), timedelta(seconds=60)


@csrf_exempt
def bare(request):
    """What any Django view costs on this server: same middleware, no work, a JSON answer."""
    return JsonResponse({"open": True, "code": "bare", "message": "Welcome", "available": 1})


def _gate_function(request, sql: str, *params) -> dict:
    # parking.fastpath's own call (health check, prepared statement), nothing around it.
    token_hash = hash_token(request.headers["Authorization"].removeprefix("Bearer "))
    return fastpath._call(sql, [token_hash, *params])


@csrf_exempt
def floor_entry(request):
    plate = json.loads(request.body)["plate"]
    row = _gate_function(request, fastpath.ENTRY, uuid.uuid4(), plate, plate, plate, "", "",
                         None, timezone.now(), SEEN, READ_TTL)  # fmt: skip
    return JsonResponse({"open": True, "code": row["outcome"], "available": row["available"]},
                        status=201)  # fmt: skip


@csrf_exempt
def floor_exit(request):
    plate = json.loads(request.body)["plate"]
    row = _gate_function(request, fastpath.LEAVE, plate, plate, plate, None, timezone.now(),
                         SEEN, READ_TTL, REREAD, OCR_FOLD_FROM, OCR_FOLD_TO)  # fmt: skip
    return JsonResponse({"open": True, "code": row["outcome"]})


urlpatterns = [
    path("bench/bare", bare),
    # Named as gate views are, so config.machine.GateCallMiddleware answers them.
    path(f"{GATE_STACK}bare", bare, name="gate_bench_bare"),
    path(f"{GATE_STACK}floor/entry", floor_entry, name="gate_bench_floor_entry"),
    path(f"{GATE_STACK}floor/exit", floor_exit, name="gate_bench_floor_exit"),
    *product_urlpatterns,
]
