"""In-process token buckets. Keys are chosen by callers (attendee+device, join code+IP, IP)."""

from __future__ import annotations

import threading
import time

from server.errors import RateLimited


class RateLimiter:
    """`limit` requests per `period` seconds per key, refilled continuously."""

    def __init__(self, limit: float, period: float, max_keys: int = 200_000) -> None:
        self.limit = limit
        self.rate = limit / period
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, cost: float = 1.0) -> None:
        """Take `cost` from the key's bucket or raise RateLimited (429) with a Retry-After."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.limit), now))
            tokens = min(float(self.limit), tokens + (now - last) * self.rate)
            if tokens < cost:
                self._buckets[key] = (tokens, now)
                wait = int((cost - tokens) / self.rate) + 1
                raise RateLimited("Too many requests; try again shortly.", retry_after=wait)
            if len(self._buckets) >= self.max_keys and key not in self._buckets:
                self._buckets.clear()  # a flood of keys: forget rather than grow without bound
            self._buckets[key] = (tokens - cost, now)

    def check(self, key: str) -> None:
        """RateLimited (429) when the key's bucket is empty, without taking from it: for limits
        that count failures only (wrong passwords), checked before each attempt."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.limit), now))
            tokens = min(float(self.limit), tokens + (now - last) * self.rate)
            if tokens < 1.0:
                wait = int((1.0 - tokens) / self.rate) + 1
                raise RateLimited("Too many wrong passwords; try again shortly.", retry_after=wait)
