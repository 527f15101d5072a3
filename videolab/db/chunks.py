"""Chunked content in the database: files in and out in constant memory.

A file is split into fixed-size rows of a chunk table (``video_chunks``, ``result_chunks``);
writing streams from a file object and hashes on the way, reading streams rows in order. No
value comes near SQLite's 1 GB limit and memory stays flat whatever the file size.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from videolab.db.models import ResultChunk, VideoChunk

CHUNK_SIZE = 1024 * 1024

ChunkTable = type[VideoChunk] | type[ResultChunk]


@dataclass(frozen=True)
class StoredContent:
    size: int
    sha256: str
    chunks: int


def _owner_column(table: ChunkTable):  # type: ignore[no-untyped-def]
    return table.video_id if table is VideoChunk else table.result_id  # type: ignore[union-attr]


def write_chunks(
    session: Session,
    table: ChunkTable,
    owner_id: uuid.UUID,
    source: BinaryIO,
    *,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> StoredContent:
    """Copy ``source`` into ``table`` under ``owner_id``; return its size and SHA-256."""
    digest = hashlib.sha256()
    owner_key = "video_id" if table is VideoChunk else "result_id"
    size = 0
    seq = 0
    statement = insert(table)
    while True:
        block = source.read(chunk_size)
        if not block:
            break
        digest.update(block)
        session.execute(statement, {owner_key: owner_id, "seq": seq, "data": block})
        size += len(block)
        seq += 1
        if progress is not None:
            progress(size)
    return StoredContent(size=size, sha256=digest.hexdigest(), chunks=seq)


def iter_chunks(session: Session, table: ChunkTable, owner_id: uuid.UUID) -> Iterator[bytes]:
    """Yield the content in order, one chunk in memory at a time."""
    owner = _owner_column(table)
    seqs = session.scalars(select(table.seq).where(owner == owner_id).order_by(table.seq)).all()
    for seq in seqs:
        data = session.scalar(select(table.data).where(owner == owner_id, table.seq == seq))
        if data is not None:
            yield bytes(data)


def count_chunks(session: Session, table: ChunkTable, owner_id: uuid.UUID) -> int:
    owner = _owner_column(table)
    return int(session.scalar(select(func.count()).where(owner == owner_id)) or 0)


def delete_chunks(session: Session, table: ChunkTable, owner_id: uuid.UUID) -> None:
    session.execute(delete(table).where(_owner_column(table) == owner_id))
