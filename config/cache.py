"""The shared cache holds rate limits and throttles: when it cannot be reached (Redis
down, a network split), parking goes on without them, and the error is logged.

A gate, a kiosk or a login failing with a 500 because a counter could not be kept
would cost more than a rate limit not counted for a while. (With the database as the
cache, the default, an unreachable database fails the request anyway, as a 503.)
"""

import logging

from redis import ConnectionError as RedisConnectionError
from redis import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What Django's cache backends raise when their server cannot be reached or does not
# answer in time. Not every RedisError: a Redis that answers "out of memory" or
# "read only" is misconfigured, and limits must not quietly stop counting then.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def unreachable(purpose: str, error: Exception) -> None:
    logger.error("cache unreachable, %s skipped: %s", purpose, error.__class__.__name__)
