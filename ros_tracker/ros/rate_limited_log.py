"""Warnings that repeat at most once per period per kind, counting what was held back."""

from __future__ import annotations

import threading
import time
from typing import Callable


class RateLimitedLog:
    """Emits a message of a given kind at most once per period_s; suppressed ones are counted
    and reported with the next message of that kind, so nothing is lost silently."""

    def __init__(self, emit: Callable[[str], None], period_s: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._emit = emit
        self._period_s = period_s
        self._clock = clock
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, kind: str, message: str) -> None:
        now = self._clock()
        with self._lock:
            last = self._last.get(kind)
            if last is not None and now - last < self._period_s:
                self._suppressed[kind] = self._suppressed.get(kind, 0) + 1
                return
            self._last[kind] = now
            suppressed = self._suppressed.pop(kind, 0)
        if suppressed:
            message += f' ({suppressed} similar message(s) suppressed)'
        self._emit(message)
