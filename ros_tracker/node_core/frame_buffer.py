"""Thread-safe holders for recent frames: a stamped ring buffer and a latest-only slot."""

from __future__ import annotations

from collections import deque
import threading
from typing import Generic, TypeVar

T = TypeVar('T')


class FrameBuffer(Generic[T]):
    """The last capacity items with their stamps (integer nanoseconds), oldest first, and at
    most max_bytes of them in all (the newest item is always kept).

    Used to find the frame an init box was drawn on, which is usually a little older than the
    newest frame by the time the box arrives.
    """

    def __init__(self, capacity: int, max_bytes: int | None = None) -> None:
        if capacity < 1:
            raise ValueError(f'capacity must be >= 1, got {capacity}')
        self._items: deque[tuple[int, T]] = deque(maxlen=capacity)
        self._sizes: deque[int] = deque(maxlen=capacity)
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._pushed = threading.Condition(self._lock)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    @property
    def size_bytes(self) -> int:
        with self._lock:
            return sum(self._sizes)

    def push(self, stamp_ns: int, item: T, size_bytes: int = 0) -> None:
        """Add item (of size_bytes), dropping the oldest beyond capacity or max_bytes."""
        with self._lock:
            self._items.append((stamp_ns, item))
            self._sizes.append(size_bytes)
            if self._max_bytes is not None:
                while len(self._items) > 1 and sum(self._sizes) > self._max_bytes:
                    self._items.popleft()
                    self._sizes.popleft()
            self._pushed.notify_all()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._sizes.clear()

    def latest(self) -> tuple[int, T] | None:
        with self._lock:
            return self._items[-1] if self._items else None

    def nearest(self, stamp_ns: int, tolerance_ns: int) -> tuple[int, T] | None:
        """The item whose stamp is closest to stamp_ns, if within tolerance_ns of it."""
        with self._lock:
            return self._nearest(stamp_ns, tolerance_ns)

    def wait_nearest(self, stamp_ns: int, tolerance_ns: int,
                     timeout_s: float) -> tuple[int, T] | None:
        """Like nearest, but while no item is that close and every item is older than
        stamp_ns, wait up to timeout_s for a newer one (a large image can arrive after the small
        message that refers to it)."""
        with self._lock:
            self._pushed.wait_for(
                lambda: self._nearest(stamp_ns, tolerance_ns) is not None
                or (self._items and self._items[-1][0] > stamp_ns), timeout_s)
            return self._nearest(stamp_ns, tolerance_ns)

    def _nearest(self, stamp_ns: int, tolerance_ns: int) -> tuple[int, T] | None:
        best = min(self._items, key=lambda entry: abs(entry[0] - stamp_ns), default=None)
        if best is None or abs(best[0] - stamp_ns) > tolerance_ns:
            return None
        return best


class LatestSlot(Generic[T]):
    """Holds only the newest item; putting one while another waits replaces (drops) it."""

    def __init__(self) -> None:
        self._item: T | None = None
        self._lock = threading.Lock()

    def put(self, item: T) -> bool:
        """Store item; returns True when an unprocessed item was replaced."""
        with self._lock:
            replaced = self._item is not None
            self._item = item
        return replaced

    def take(self) -> T | None:
        """Remove and return the waiting item, if any."""
        with self._lock:
            item, self._item = self._item, None
        return item
