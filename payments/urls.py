from django.urls import path

from . import views, webhooks
from .providers.sandbox import views as sandbox

urlpatterns = [
    path("kiosk/<int:lot_id>/", views.kiosk_search, name="kiosk"),
    path(
        "kiosk/<int:lot_id>/vehicles/<uuid:session_id>/", views.kiosk_vehicle, name="kiosk_vehicle"
    ),
    path("kiosk/payments/<uuid:payment_id>/", views.kiosk_payment, name="kiosk_payment"),
    path(
        "kiosk/payments/<uuid:payment_id>/cancel/",
        views.kiosk_payment_cancel,
        name="kiosk_payment_cancel",
    ),
    path(
        "payments/webhooks/<slug:provider_id>/", webhooks.provider_webhook, name="payment_webhook"
    ),
    path("sandbox/checkout/<slug:reference>/", sandbox.checkout_page, name="sandbox_checkout"),
]
