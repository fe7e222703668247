"""Who is asking and how: the client's IP address (also behind a reverse proxy), the body's type."""

import ipaddress
import json
import math
from collections import deque
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import BadRequest, DisallowedHost
from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from .i18n import interpolate
from .machine import GATE_PATH_PREFIX


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind a proxy the last address in the CLIENT_IP_HEADER header.

    The proxy appends the address it saw, so the last entry is the one the
    client could not make up. The setting names the header as sent
    (`X-Forwarded-For`); Django's spelling (`HTTP_X_FORWARDED_FOR`) means the same.
    The address as plain IP: without a port some proxies add (`203.0.113.5:4431`,
    `[2001:db8::1]:443`), and an IPv4 address written as IPv6 (`::ffff:192.0.2.1`,
    as a server listening on `[::]` sees IPv4 clients) as that IPv4 address.
    """
    address = request.META.get("REMOTE_ADDR", "")
    header = settings.CLIENT_IP_HEADER
    if header:
        if header.upper().startswith("HTTP_"):
            header = header[5:].replace("_", "-")
        forwarded = request.headers.get(header, "")
        if forwarded:
            address = forwarded.split(",")[-1]
    return _plain_address(address.strip())


def _plain_address(text: str) -> str:
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        parsed = ipaddress.ip_address(text)
    except ValueError:
        return text
    if parsed.version == 6 and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(parsed)


# Every client whose address cannot be read (a proxy header holding something else)
# shares one count: a limit that bites shows the setup is wrong, where counting each
# as given would let anyone step past the limits by writing a fresh one each time.
UNREADABLE_CLIENT = "unreadable"


def counted_client(request: HttpRequest) -> str:
    """The client as rate limits count it: its address, or for IPv6 its /64 network.

    An IPv6 subscriber is given a whole /64 (2^64 addresses, one per device and
    more): counted by address, anyone with one could step to a fresh address
    for every attempt and never be limited.
    """
    address = client_address(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return UNREADABLE_CLIENT
    if parsed.version == 4:
        return address
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


def sends_json(request: HttpRequest) -> bool:
    """Whether the request's body is declared JSON (application/json or any +json type)."""
    content_type = request.content_type or ""
    return content_type == "application/json" or content_type.endswith("+json")


def json_answer(data: dict, status: int = 200) -> JsonResponse:
    """A JSON answer with its text as itself (台北, not \\u53f0\\u5317), as the API's are."""
    return JsonResponse(
        data,
        status=status,
        content_type="application/json; charset=utf-8",
        json_dumps_params={"ensure_ascii": False},
    )


def address_in(address: str, networks: list[str]) -> bool:
    """Whether `address` is one of `networks` (addresses or CIDR blocks); False if unreadable."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)


def _chunked(request: HttpRequest) -> bool:
    """Whether the body comes in chunks, without a Content-Length."""
    encoding = request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    return "chunked" in encoding and not request.META.get("CONTENT_LENGTH")


UNREADABLE_LENGTH = _("The Content-Length header must be the body's length in bytes.")


def _unreadable_length(request: HttpRequest) -> bool:
    """Whether the request declares a Content-Length that is no number of bytes.

    As HTTP has it: ASCII digits only ("abc", "-1", "+18", "18, 18" are not, nor
    Python's other readings of a number, " 18", "1_8", "١٨").
    """
    length = request.META.get("CONTENT_LENGTH")
    return bool(length) and not (length.isascii() and length.isdigit())


def _host_refused(request: HttpRequest) -> bool:
    try:
        request.get_host()
    except DisallowedHost:
        return True
    return False


class JsonApiErrorsMiddleware:
    """Under /api/, Django's own HTML refusals (unknown path, wrong method) become JSON,
    a chunked body (which Django cannot read) is a 411 before anything reads it, and a
    Content-Length that is no number a 400 (gunicorn refuses one itself; runserver and
    other servers pass it on, and Django reading such a body fails with a 500). That
    400 is given on every path, as plain text outside /api/.

    Every API answer then has a machine `code` and a human `message`, as the
    OpenAPI document promises, whatever part of the stack refused.
    """

    CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            refused = self._unreadable_body(request)
            if refused is not None:
                return refused
        elif _unreadable_length(request):
            return HttpResponseBadRequest(
                UNREADABLE_LENGTH,
                content_type="text/plain; charset=utf-8",
            )
        response = self.get_response(request)
        code = self.CODES.get(response.status_code)
        if (
            code is None
            or not request.path.startswith("/api/")
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        messages = {
            # Django's own refusals: a Host not in ALLOWED_HOSTS, a refused User-Agent.
            "bad_request": _("This server does not answer requests for this host."),
            "forbidden": _("This client is not allowed to use the API."),
            "not_found": _("There is no such API endpoint."),
            "method_not_allowed": interpolate(
                _("This endpoint does not accept %(method)s."), {"method": request.method}
            ),
        }
        replacement = self.refusal(request, response.status_code, code, messages[code])
        if "Allow" in response:
            replacement["Allow"] = response["Allow"]
        return replacement

    def _unreadable_body(self, request) -> JsonResponse | None:
        if _chunked(request):
            # Django reads a body by its Content-Length; a chunked one would be read as
            # empty and refused as bad JSON or a missing plate, blaming what was sent.
            status, code = 411, "length_required"
            message = _(
                "Send the body with a Content-Length header: a chunked body cannot be read."
            )
        elif _unreadable_length(request):
            status, code = 400, "malformed_body"
            message = UNREADABLE_LENGTH
        else:
            return None
        if _host_refused(request):
            # Refused further down as any request for that Host is (400 `bad_request`),
            # before any body is read or gate token looked up.
            return None
        # Before LocaleMiddleware: the request's language is read here.
        language = translation.get_language_from_request(request)
        return self.refusal(request, status, code, message, language)

    @staticmethod
    def refusal(request, status: int, code: str, message, language=None) -> JsonResponse:
        """A refusal shaped as the API's are: in the gate's language if a gate's token
        was sent, else the request's; with a Content-Length, as every gate answer has."""
        body = {"code": code}
        if request.path.startswith(GATE_PATH_PREFIX):
            body = {"open": False, **body}  # as every gate answer says
            if code != "bad_request":  # not for a Host this server does not answer
                from parking.api import gate_language  # parking's API imports this module

                language = gate_language(request) or language
        language = language or translation.get_language()
        with translation.override(language):
            body["message"] = str(message)
        response = json_answer(body, status)
        response["Content-Language"] = language
        response["Content-Length"] = str(len(response.content))
        return response


class RepeatedKeys(ValueError):
    def __init__(self, keys: list[str]):
        super().__init__(f"keys given twice: {keys}")
        self.keys = keys


class _Doubled(dict):
    """A JSON object that gave `key` more than once (the first such key)."""

    key: str


def loads_keys_once(body: bytes | str):
    """json.loads, but an object that gives a key twice raises RepeatedKeys naming it, and
    NaN or Infinity, which are not JSON, are refused as any other malformed body.

    Python's json keeps the last of them; which one the client meant is a guess.
    The key is named by its path ("invoice.kind"), the first one found; finding it
    costs one pass over the object's keys, whatever their number.
    """
    doubled = False

    def keys_once(pairs):
        nonlocal doubled
        obj = dict(pairs)
        if len(obj) == len(pairs):
            return obj
        doubled = True
        seen = set()
        marked = _Doubled(obj)
        marked.key = next(key for key, _value in pairs if key in seen or seen.add(key))
        return marked

    data = json.loads(
        body, object_pairs_hook=keys_once, parse_constant=_not_json, parse_float=_finite
    )
    if doubled:
        raise RepeatedKeys([_path_of_doubled(data)])
    return data


def _not_json(constant: str):
    # Python's json reads NaN, Infinity and -Infinity; JSON has no such values.
    raise json.JSONDecodeError(f"{constant} is not JSON", constant, 0)


def _finite(text: str) -> float:
    # 1e999 is JSON, but as a float it is infinity: refused as Infinity is.
    value = float(text)
    if not math.isfinite(value):
        raise json.JSONDecodeError(f"{text} is beyond a float", text, 0)
    return value


def _path_of_doubled(data) -> str:
    """The path to the first key given twice, looking at outer objects before inner ones.

    Each value found keeps only its parent and its own name; the path is built once,
    for the key found (copying it at every level cost depth x size on deep bodies).
    """
    queue = deque([(data, None)])  # (value, (parent entry, name) or None)
    while queue:
        entry = queue.popleft()
        value = entry[0]
        if isinstance(value, _Doubled):
            names = [value.key]
            link = entry[1]
            while link is not None:
                parent, name = link
                names.append(name)
                link = parent[1]
            return ".".join(reversed(names))
        if isinstance(value, dict):
            queue.extend((child, (entry, name)) for name, child in value.items())
        elif isinstance(value, list):
            queue.extend((child, (entry, str(index))) for index, child in enumerate(value))
    raise AssertionError("a doubled object is in the data")


class RefuseNulInQueryMiddleware:
    """A page whose address's query holds a NUL character (`%00`) is a 400.

    No page takes one, and PostgreSQL's text cannot hold one: an admin filter or
    autocomplete given one (`?plate=%00`) failed with a 500 when the database refused
    the query. After LocaleMiddleware, so the 400 page speaks the reader's language.
    The JSON API reads its query values through its schemas, which refuse such values
    with their own codes; it is left to them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/") and "\x00" in unquote(
            request.META.get("QUERY_STRING", "")
        ):
            raise BadRequest("NUL character in the query string")
        return self.get_response(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponseForbidden:
    """A form refused by the CSRF check: the site's page, in the reader's language.

    Django's own is an unstyled page about CSRF tokens with no way on; a driver whose
    browser blocks cookies, or who kept the kiosk page open overnight, gets a link
    back to the page the form was on (its Referer, if of this site) and a word on
    cookies; without one, to the form's own address (a GET there shows our forms).
    (CSRF_FAILURE_VIEW; `reason` is for logs, which Django's django.security.csrf
    logger writes, not for the reader.)
    """
    retry = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(
        retry, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        retry = request.get_full_path()
    return HttpResponseForbidden(render_to_string("403_csrf.html", {"retry": retry}))
