"""Has the user already stored this file? Asked before an upload charges again.

The same content in the *same* dataset is refused by ``store_upload`` (nothing charged). In
another of the user's datasets it is allowed (a video may belong to two collections) but it
is charged again, so the GUI asks first. The stored SHA-256 names the content; the file's own
is computed only when a stored video of the same owner has exactly the file's size, so the
usual upload (a new file) reads nothing more than the probe did.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path

from videolab.domain.dto import StoredCopy, UploadProbe, UserDTO
from videolab.domain.errors import Cancelled, InvalidInput
from videolab.repositories.videos import VideoRepository
from videolab.services.base import ServiceContext, owned_dataset

_CHUNK = 1 << 20


def copies_elsewhere(
    ctx: ServiceContext,
    actor: UserDTO,
    dataset_id: uuid.UUID,
    probe: UploadProbe,
    *,
    cancel: threading.Event | None = None,
) -> list[StoredCopy]:
    """The actor's videos in other datasets (trashed ones too) with the probed file's content."""
    with ctx.db.read() as s:
        owned_dataset(s, actor, dataset_id)
        candidates = VideoRepository(s).same_size_elsewhere(
            actor.id, probe.size_bytes, exclude_dataset=dataset_id
        )
    if not candidates:
        return []
    digest = _sha256(probe.path, cancel)
    return [copy for sha, copy in candidates if sha == digest]


def where_stored(copies: Sequence[StoredCopy]) -> str:
    """Where the copies are, for a sentence: "dataset 'A' as 'a.mp4'; dataset 'B' (in the
    trash) as 'b.mp4' and 2 more"."""
    where = "; ".join(
        f"dataset '{c.dataset_name}'{' (in the trash)' if c.in_trash else ''} as '{c.video_name}'"
        for c in copies[:3]
    )
    return where + (f" and {len(copies) - 3} more" if len(copies) > 3 else "")


def _sha256(path: Path, cancel: threading.Event | None) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                if cancel is not None and cancel.is_set():
                    raise Cancelled("Upload cancelled.")
                digest.update(chunk)
    except OSError as exc:
        raise InvalidInput(
            f"{path.name}: the file could not be read ({exc.strerror or exc})."
        ) from None
    return digest.hexdigest()
