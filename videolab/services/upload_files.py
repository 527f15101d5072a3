"""Telling whether a file on disk is still the one that was probed.

An upload is probed (packets counted, thumbnail made) without any lock, and stored later in
one short transaction; the GUI may show the cost in between for as long as the user likes.
Three checks, each catching what the others can miss, refuse a file that changed meanwhile:

- ``identity``: device, inode, size, modification and change time. The change time moves on
  every write and rename-over and cannot be set back (``utime`` forges only the modification
  time), so on a local disk any change shows here;
- ``fingerprint``: SHA-256 of the size, the first and the last MiB. It is read at the probe
  and computed again from the bytes the store reads anyway (no second pass over the file),
  so a file replaced on a card or share whose times are coarse (FAT: 2 s) or not kept still
  shows, as long as the change touches either end (where containers keep headers and index);
- the full SHA-256 computed while storing names the content for the duplicate check; it
  cannot be compared with the probe without reading the file twice, which is what this
  design avoids.
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from pathlib import Path
from typing import BinaryIO

FINGERPRINT_SPAN = 1 << 20


def identity(st: os.stat_result) -> tuple[int, ...]:
    """What changes when a file is replaced, resized or rewritten."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _digest(size: int, head: bytes, tail: bytes) -> str:
    digest = hashlib.sha256(size.to_bytes(8, "big"))
    digest.update(head)
    digest.update(tail)
    return digest.hexdigest()


def fingerprint(source: BinaryIO, size: int) -> str:
    """The fingerprint of an open file of `size` bytes (reads at most 2 MiB)."""
    source.seek(0)
    head = source.read(min(size, FINGERPRINT_SPAN))
    source.seek(max(0, size - FINGERPRINT_SPAN))
    tail = source.read(FINGERPRINT_SPAN)
    return _digest(size, head, tail)


def file_fingerprint(path: Path, size: int) -> str:
    with open(path, "rb") as source:
        return fingerprint(source, size)


class RecordingReader:
    """Passes reads through and keeps what the fingerprint needs: the first MiB and the last."""

    def __init__(self, source: BinaryIO) -> None:
        self.source = source
        self.size = 0
        self._head = bytearray()
        self._tail: deque[bytes] = deque()
        self._tail_size = 0

    def read(self, n: int = -1) -> bytes:
        block = self.source.read(n)
        if block:
            self.size += len(block)
            if len(self._head) < FINGERPRINT_SPAN:
                self._head += block[: FINGERPRINT_SPAN - len(self._head)]
            # Keep whole blocks (no copying) until they hold more than the last MiB.
            self._tail.append(block)
            self._tail_size += len(block)
            while self._tail_size - len(self._tail[0]) >= FINGERPRINT_SPAN:
                self._tail_size -= len(self._tail.popleft())
        return block

    def fingerprint(self) -> str:
        tail = b"".join(self._tail)[-FINGERPRINT_SPAN:] if self._tail else b""
        return _digest(self.size, bytes(self._head), tail)
