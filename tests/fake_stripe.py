"""A local HTTP server answering the Stripe API calls OpenLot makes, as Stripe documents them.

The real SDK (`stripe.StripeClient` with `base_addresses={"api": server.url}`)
talks to it over HTTP, so the SDK's own request encoding, idempotency header,
response parsing and errors all run. It implements, per Stripe's API reference:

- `POST /v1/checkout/sessions` (form-encoded; `Idempotency-Key` replays the
  first response for the same key, and a request with a key whose first
  request is still in flight gets 409 `idempotency_key_in_use`, "the request
  conflicts with another request (perhaps due to using the same idempotent
  key)", as Stripe's error reference says),
- `GET /v1/checkout/sessions/{id}` (with `expand[]=payment_intent` and
  `expand[]=payment_intent.latest_charge`: the PaymentIntent's `created` and its
  latest Charge's `created`, Unix seconds, say when the driver paid),
- `POST /v1/checkout/sessions/{id}/expire` (only an open session; else 400).

Amounts are checked as docs.stripe.com/currencies says: a charge below the
currency's minimum (`MINIMUM_CHARGE`, a few of Stripe's table) is refused 400
`amount_too_small`; three-decimal currencies take only amounts ending in 0, and
ISK and UGX (two-decimal in the API, whole units in fact) only multiples of 100,
else 400 `invalid_charge_amount`.

Tests move a session through its life the way Stripe would (`pay`, `process`,
`fail`, `expire`) and build webhook events signed with the real scheme:
`Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<payload>">`.
"""

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

# Stripe's least charge per currency, in its API's units (a few rows of its table).
MINIMUM_CHARGE = {"usd": 50, "eur": 50, "jpy": 50, "hkd": 400, "huf": 17500}
_LAST_DIGIT_ZERO = {"bhd", "jod", "kwd", "omr", "tnd"}
_WHOLE_UNITS = {"isk", "ugx"}

SECRET_KEY = "sk_test_openlot_fake"
WEBHOOK_SECRET = "whsec_openlot_fake_signing_secret"


def parse_stripe_form(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding (`line_items[0][price_data][currency]=twd`) as nested values."""
    root: dict = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_lists(node[key]) for key in sorted(node, key=int)]
    return {key: _lists(value) for key, value in node.items()}


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class FakeStripe:
    """Stripe's side: checkout sessions, payment intents, the calls received."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sessions: dict[str, dict] = {}
        self.intents: dict[str, dict] = {}
        self.charges: dict[str, dict] = {}
        self.idempotent: dict[str, tuple[int, dict]] = {}
        self.in_flight: set[str] = set()  # idempotency keys of requests being answered
        self.requests: list[dict] = []  # method, path, key, params; status once answered
        self.down = False  # answer every call with a 500 (Stripe unreachable)
        self.on_request = None  # called (method, path) before each answer, in the server's thread
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    # --- serving --------------------------------------------------------

    def start(self):
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: dict):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{secrets.token_hex(7)}")
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str):
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                query = parse_qsl(url.query) if method == "GET" else parse_qsl(body)
                params = parse_stripe_form(query)
                if self.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
                    return self._answer(401, _error("Invalid API Key provided.", "authentication"))
                status, answer = fake.handle(
                    method, url.path, params, self.headers.get("Idempotency-Key")
                )
                return self._answer(status, answer)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        return Handler

    def handle(self, method, path, params, idempotency_key):
        key = idempotency_key if method == "POST" else None
        request = {"method": method, "path": path, "key": idempotency_key, "params": params}
        with self.lock:
            self.requests.append(request)
            # Stripe answers 409 while another request with the same key is in flight.
            conflict = key is not None and key in self.in_flight
            if key is not None and not conflict:
                self.in_flight.add(key)
        try:
            # Stripe at work on the request (tests slow it or act meanwhile through this).
            if self.on_request is not None:
                self.on_request(method, path)
            with self.lock:
                request["status"], answer = self._answer(method, path, params, key, conflict)
                return request["status"], answer
        finally:
            if key is not None and not conflict:
                with self.lock:
                    self.in_flight.discard(key)

    def _answer(self, method, path, params, key, conflict):
        if self.down:
            return 500, _error("An unknown error occurred.", "api_error")
        if conflict:
            return 409, _error(
                "There is currently another in-progress request using this Stripe-Idempotency-"
                "Key (that probably means you submitted twice, and the other request is still "
                f"going through): {key}. Please try again later.",
                "invalid_request_error",
                "idempotency_key_in_use",
            )
        if key in self.idempotent:
            return self.idempotent[key]
        answer = self._route(method, path, params)
        if key:
            self.idempotent[key] = answer
        return answer

    def _route(self, method, path, params):
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._amount_refusal(params) or (200, self._create_session(params))
        match = re.fullmatch(r"/v1/checkout/sessions/([^/]+)(/expire)?", path)
        if match is None or match.group(1) not in self.sessions:
            return 404, _error(
                "No such checkout.session", "invalid_request_error", "resource_missing"
            )
        session = self.sessions[match.group(1)]
        if method == "POST" and match.group(2):
            if session["status"] != "open":
                return 400, _error(
                    "Only Checkout Sessions with a status of `open` can be expired.",
                    "invalid_request_error",
                )
            session["status"] = "expired"
            return 200, self._view(session, [])
        if method == "GET" and not match.group(2):
            return 200, self._view(session, params.get("expand", []))
        return 404, _error("Unrecognized request URL.", "invalid_request_error")

    def _amount_refusal(self, params) -> tuple[int, dict] | None:
        price = params["line_items"][0]["price_data"]
        amount, currency = int(price["unit_amount"]), price["currency"]
        if amount < MINIMUM_CHARGE.get(currency, 1):
            return 400, _error(
                f"Amount must be at least {MINIMUM_CHARGE[currency]} {currency}",
                "invalid_request_error",
                "amount_too_small",
            )
        if (currency in _LAST_DIGIT_ZERO and amount % 10) or (
            currency in _WHOLE_UNITS and amount % 100
        ):
            return 400, _error(
                f"Invalid amount for {currency}: see docs.stripe.com/currencies#special-cases",
                "invalid_request_error",
                "invalid_charge_amount",
            )
        return None

    def _create_session(self, params) -> dict:
        item = params["line_items"][0]
        price = item["price_data"]
        amount = int(price["unit_amount"]) * int(item.get("quantity", 1))
        session_id = f"cs_test_{secrets.token_hex(12)}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": amount,
            "amount_total": amount,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "created": int(time.time()),
            "currency": price["currency"],
            "customer": None,
            "expires_at": int(params.get("expires_at", time.time() + 86400)),
            "livemode": False,
            "locale": params.get("locale"),
            "metadata": params.get("metadata", {}),
            "mode": params.get("mode"),
            "payment_intent": None,
            "payment_method_types": params.get("payment_method_types", ["card"]),
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params.get("success_url"),
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        }
        self.sessions[session_id] = session
        return dict(session)

    def _view(self, session: dict, expand: list[str]) -> dict:
        view = dict(session)
        intent_id = session["payment_intent"]
        # Expanding a nested field expands its parents too, as Stripe does.
        if intent_id and any(path.split(".")[0] == "payment_intent" for path in expand):
            intent = view["payment_intent"] = dict(self.intents[intent_id])
            charge_id = intent["latest_charge"]
            if charge_id and "payment_intent.latest_charge" in expand:
                intent["latest_charge"] = dict(self.charges[charge_id])
        return view

    # --- what happens on Stripe's side ------------------------------------

    def _intent(self, session_id: str, status: str, error: str | None = None) -> dict:
        """The session's PaymentIntent in `status`, and its charge; both made at the first
        attempt to pay (their `created` is when the driver submitted the payment)."""
        with self.lock:
            session = self.sessions[session_id]
            now = int(time.time())
            intent_id = session["payment_intent"] or f"pi_{secrets.token_hex(12)}"
            intent = self.intents.get(intent_id) or {"created": now, "latest_charge": None}
            charge_id = intent["latest_charge"] or f"ch_{secrets.token_hex(12)}"
            charge = self.charges.get(charge_id) or {"created": now}
            self.charges[charge_id] = {
                "id": charge_id,
                "object": "charge",
                "amount": session["amount_total"],
                "currency": session["currency"],
                "created": charge["created"],
                "paid": status == "succeeded",
                "payment_intent": intent_id,
                "status": {"succeeded": "succeeded", "processing": "pending"}.get(status, "failed"),
            }
            self.intents[intent_id] = {
                "id": intent_id,
                "object": "payment_intent",
                "amount": session["amount_total"],
                "currency": session["currency"],
                "created": intent["created"],
                "latest_charge": charge_id,
                "status": status,
                "metadata": dict(session["metadata"]),
                "last_payment_error": {"message": error, "type": "card_error"} if error else None,
            }
            session["payment_intent"] = intent_id
            return session

    def pay(self, session_id: str, *, amount_total: int | None = None) -> dict:
        """The driver paid (optionally a different amount than asked: a tampered checkout)."""
        session = self._intent(session_id, "succeeded")
        with self.lock:
            session.update(status="complete", payment_status="paid")
            if amount_total is not None:
                session["amount_total"] = amount_total
        return session

    def process(self, session_id: str) -> dict:
        """Checkout completed with a delayed payment method: not paid yet."""
        session = self._intent(session_id, "processing")
        with self.lock:
            session.update(status="complete", payment_status="unpaid")
        return session

    def fail(self, session_id: str, message: str = "Your card was declined.") -> dict:
        """The delayed payment failed (checkout.session.async_payment_failed)."""
        session = self._intent(session_id, "requires_payment_method", message)
        with self.lock:
            session.update(status="complete", payment_status="unpaid")
        return session

    def expire(self, session_id: str) -> dict:
        with self.lock:
            self.sessions[session_id]["status"] = "expired"
            return self.sessions[session_id]

    def only_session(self) -> dict:
        (session,) = self.sessions.values()
        return session

    def event(self, event_type: str, session_id: str, *, event_id: str | None = None) -> bytes:
        """A webhook payload as Stripe sends it: the session as it is now, in an event."""
        with self.lock:
            snapshot = dict(self.sessions[session_id])
        return json.dumps(
            {
                "id": event_id or f"evt_{secrets.token_hex(12)}",
                "object": "event",
                "api_version": "2026-10-28.endive",
                "created": int(time.time()),
                "data": {"object": snapshot},
                "livemode": False,
                "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": None},
                "type": event_type,
            }
        ).encode()

    def calls(self, method: str, path_prefix: str) -> list[dict]:
        return [
            r for r in self.requests if r["method"] == method and r["path"].startswith(path_prefix)
        ]


def _error(message: str, error_type: str, code: str | None = None) -> dict:
    error = {"message": message, "type": error_type}
    if code:
        error["code"] = code
    return {"error": error}
