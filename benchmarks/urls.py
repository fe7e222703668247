"""The product's URLs plus a bare JSON view: the baseline the gate API is measured against.

Used only by benchmarks (ROOT_URLCONF=benchmarks.urls); never in production.
"""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as product_urlpatterns


@csrf_exempt
def bare(request):
    """What any Django view costs on this server: same middleware, no work, a JSON answer."""
    return JsonResponse({"open": True, "code": "bare", "message": "Welcome", "available": 1})


urlpatterns = [path("bench/bare", bare), *product_urlpatterns]
