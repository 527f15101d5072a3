"""A FIFO between pipeline stages bounded by the bytes it holds as well as by its items.

A bound in frames is a bound in memory only for one frame size: 16 frames are 11 MB at
640x360 and 1.6 GB at 8K. This queue admits an item while the bytes held stay within
``max_bytes``; an item bigger than the whole budget is still admitted into an empty queue, so
any frame size makes progress (one frame in flight per queue, at worst).
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any


class ByteQueue:
    def __init__(self, max_bytes: int, max_items: int) -> None:
        if max_bytes <= 0 or max_items <= 0:
            raise ValueError("a queue needs room for something")
        self.max_bytes = max_bytes
        self.max_items = max_items
        self._items: deque[tuple[Any, int]] = deque()
        self._bytes = 0
        self._cond = threading.Condition()
        self.peak_bytes = 0  # the most it ever held, for tests and benchmarks

    def _room_for(self, size: int) -> bool:
        if not self._items:
            return True
        return len(self._items) < self.max_items and self._bytes + size <= self.max_bytes

    def put(self, item: Any, size: int, timeout: float | None = None) -> bool:
        """Add ``item`` (``size`` bytes); False if there was no room within ``timeout``."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._room_for(size), timeout):
                return False
            self._items.append((item, size))
            self._bytes += size
            self.peak_bytes = max(self.peak_bytes, self._bytes)
            self._cond.notify_all()
            return True

    def put_nowait_unbounded(self, item: Any) -> None:
        """Add a zero-size marker (the end of the stream) whatever the queue holds."""
        with self._cond:
            self._items.append((item, 0))
            self._cond.notify_all()

    def get(self, timeout: float | None = None) -> tuple[bool, Any]:
        """(True, item), or (False, None) if nothing came within ``timeout``."""
        with self._cond:
            if not self._cond.wait_for(lambda: bool(self._items), timeout):
                return False, None
            item, size = self._items.popleft()
            self._bytes -= size
            self._cond.notify_all()
            return True, item

    def empty(self) -> bool:
        with self._cond:
            return not self._items

    @property
    def held_bytes(self) -> int:
        with self._cond:
            return self._bytes
