"""Admin login rate limit against password guessing, counted in Django's cache.

Failed logins are counted per username from each client address, per
username from everywhere, and per client address. Once a count reaches its
limit (LOGIN_MAX_FAILURES_PER_USER_AND_ADDRESS, _PER_USER, _PER_ADDRESS),
logins for that username from that address, for that username, or from that
address are refused without checking the password, until
LOGIN_FAILURE_WINDOW_SECONDS have passed since the last counted failure.

The strict limit is the first: a guesser at one address is stopped after a
few guesses, and the owner, logging in from elsewhere, is not locked out by
them. The looser per-username limit caps guessing from many addresses at once,
which is also what it takes to lock an account for everyone.

The counts live in the default cache, which every app server shares (the
database or Redis), so the limits hold however many run.

While the cache cannot be reached (Redis down), each process counts on its own
(`_LocalCounts`): a guesser gets the limit once per worker process instead of
without end, and staff are still locked out only by their own failures.
"""

import hashlib
import threading
import time

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext_lazy

from config.cache import UNREACHABLE, unreachable
from config.http import counted_client

_PREFIX = "openlot:login-failures:"


def _key(kind: str, value: str) -> str:
    # Hashed: usernames are free text, and cache keys have a restricted alphabet.
    return f"{_PREFIX}{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


class _LocalCounts:
    """Failed logins counted in this process, while the shared cache cannot be reached."""

    MAX_KEYS = 10_000  # an attack from many addresses must not fill the memory

    def __init__(self):
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}  # key -> (count, expires at)

    def get(self, key: str) -> int:
        count, expires = self._counts.get(key, (0, 0.0))
        return count if expires > time.time() else 0

    def add(self, key: str, window: int) -> None:
        now = time.time()
        with self._lock:
            if key not in self._counts and len(self._counts) >= self.MAX_KEYS:
                self._forget_one(now)
            # As in the cache: the window runs from the latest failure.
            self._counts[key] = (self.get(key) + 1, now + window)

    def _forget_one(self, now: float) -> None:
        """Make room: the expired counts, else the count of one address (for every
        account or for one) closest to expiring. An attack from many addresses must
        not wash an account's count from every address out."""
        self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
        if len(self._counts) < self.MAX_KEYS:
            return
        per_address = [k for k in self._counts if not k.startswith(f"{_PREFIX}user:")]
        candidates = per_address or list(self._counts)
        del self._counts[min(candidates, key=lambda k: self._counts[k][1])]

    def delete(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)


_local = _LocalCounts()


def _counters(request, username: str) -> list[tuple[str, int]]:
    """(cache key, limit) of each count a failed login adds to."""
    user, client = username.casefold(), counted_client(request)
    counters = [
        (
            _key("user-address", f"{user}\n{client}"),
            settings.LOGIN_MAX_FAILURES_PER_USER_AND_ADDRESS,
        ),
        (_key("user", user), settings.LOGIN_MAX_FAILURES_PER_USER),
        (_key("address", client), settings.LOGIN_MAX_FAILURES_PER_ADDRESS),
    ]
    return [(key, limit) for key, limit in counters if limit > 0]


def is_locked_out(request, username: str) -> bool:
    """Whether logins are refused; by this process's own counts while the cache cannot
    be reached (config.cache), so a failing Redis locks nobody out by itself."""
    counters = _counters(request, username)
    try:
        counts = cache.get_many([key for key, _limit in counters])
    except UNREACHABLE as error:
        unreachable("the shared count of failed logins", error)
        counts = {key: _local.get(key) for key, _limit in counters}
    return any(counts.get(key, 0) >= limit for key, limit in counters)


def record_failure(request, username: str) -> None:
    try:
        _record_failure(request, username)
    except UNREACHABLE as error:
        unreachable("the shared count of failed logins", error)
        for key, _limit in _counters(request, username):
            _local.add(key, settings.LOGIN_FAILURE_WINDOW_SECONDS)


def _record_failure(request, username: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for key, _limit in _counters(request, username):
        cache.add(key, 0, window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, window)
        # Some backends reset the timeout on incr(); the window runs from this failure.
        cache.touch(key, window)


def clear_failures(request, username: str) -> None:
    """A successful login clears its username's counts (not its address's: an attacker
    could interleave logins to an account of their own)."""
    user = username.casefold()
    keys = [_key("user", user), _key("user-address", f"{user}\n{counted_client(request)}")]
    for key in keys:
        _local.delete(key)
    try:
        cache.delete_many(keys)
    except UNREACHABLE as error:
        unreachable("clearing failed logins", error)


class RateLimitedAuthenticationForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "too_many_failures": ngettext_lazy(
            "Too many failed logins for this account or from your address. "
            "Try again in %(minutes)s minute.",
            "Too many failed logins for this account or from your address. "
            "Try again in %(minutes)s minutes.",
            "minutes",
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and is_locked_out(self.request, username):
            raise ValidationError(
                self.error_messages["too_many_failures"],
                code="too_many_failures",
                params={"minutes": max(settings.LOGIN_FAILURE_WINDOW_SECONDS // 60, 1)},
            )
        try:
            cleaned_data = super().clean()
        except ValidationError:
            # Wrong credentials count; a right password for a non-staff user does not.
            if username and self.user_cache is None:
                record_failure(self.request, username)
            raise
        if username:
            clear_failures(self.request, username)
        return cleaned_data
