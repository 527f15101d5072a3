"""Demo data behind ``init --demo`` and ``videolab --demo``: only into a new, empty database."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from videolab.db.chunks import write_chunks
from videolab.db.models import Dataset, Video, VideoChunk
from videolab.db.types import utcnow
from videolab.domain.enums import Role
from videolab.domain.errors import Conflict
from videolab.domain.money import MILLI_PER_TOKEN
from videolab.repositories.ledger import LedgerRepository
from videolab.repositories.tags import TagRepository
from videolab.repositories.users import UserRepository
from videolab.services.base import ServiceContext
from videolab.services.passwords import hash_password
from videolab.services.users import create_account

if TYPE_CHECKING:
    from videolab.inference.probe import VideoInfo

DEMO_PASSWORD = "videolab-demo"
DEMO_USERS = (
    ("admin@example.com", Role.ADMIN, 1000),
    ("alice@example.com", Role.USER, 100),
    ("bob@example.com", Role.USER, 50),
)
DEMO_EMAILS = tuple(email for email, _, _ in DEMO_USERS)
DEMO_TAGS = ("demo", "synthetic", "traffic", "wildlife", "sports")
LIVE_DATASET = ("Moving shapes", ("demo", "synthetic"))
DELETED_DATASET = ("Street scenes (old)", ("traffic", "sports"))
DEMO_VIDEO_NAME = "shapes_demo.mp4"
DEMO_VIDEO_FRAMES = 240


@dataclass(frozen=True)
class SeedReport:
    users: int
    tags: int
    datasets: int
    videos: int


def load_demo(ctx: ServiceContext) -> SeedReport:
    """Load the demo data into a new, empty database, all of it in one transaction.

    The demo accounts share a public password (``DEMO_PASSWORD``) and one of them is an
    administrator, so they go only into a database that has no account yet: one that anybody
    who can open it could claim anyway (its first administrator is whoever signs up first). A
    database that already holds the demo data is left as it is (loading again changes nothing);
    any other database with accounts is refused, whoever asks.
    """
    with ctx.db.read() as s:
        if _already_loaded(UserRepository(s)):
            return SeedReport(0, 0, 0, 0)
    # The slow parts (hashing, making the clip) run before the write lock is taken.
    password_hash = hash_password(DEMO_PASSWORD)
    with tempfile.TemporaryDirectory(prefix="videolab-seed-") as tmp:
        clip = _demo_clip(Path(tmp))
        with ctx.db.write() as s:
            users = UserRepository(s)
            # Another start may have loaded it meanwhile (BEGIN IMMEDIATE: one at a time).
            if _already_loaded(users):
                return SeedReport(0, 0, 0, 0)
            return _insert_demo(s, users, password_hash, clip)


def _already_loaded(users: UserRepository) -> bool:
    """False for a database without accounts, True for one with the demo data; refused else."""
    if users.count() == 0:
        return False
    if users.by_email(DEMO_USERS[0][0]) is not None:
        return True
    raise Conflict(
        "This database already has accounts, so the demo data was not loaded: its accounts "
        f"share the public password '{DEMO_PASSWORD}'. Load it into a new database instead "
        "(--db NEW_FILE)."
    )


@dataclass(frozen=True)
class _Clip:
    path: Path
    info: VideoInfo
    thumbnail: bytes | None


def _demo_clip(folder: Path) -> _Clip:
    # OpenCV loads here, not at import: the sign-in dialog reads DEMO_PASSWORD from this module.
    from videolab.inference.probe import make_thumbnail, probe_video
    from videolab.inference.synthetic import generate_video

    path = folder / DEMO_VIDEO_NAME
    generate_video(path, seed=7, frames=DEMO_VIDEO_FRAMES)
    return _Clip(path, probe_video(path), make_thumbnail(path))


def _insert_demo(
    s: Session, users: UserRepository, password_hash: str, clip: _Clip
) -> SeedReport:
    ledger = LedgerRepository(s)
    for email, role, tokens in DEMO_USERS:
        create_account(
            users, ledger, email, password_hash, role, tokens * MILLI_PER_TOKEN,
            note="demo account",
        )
    tags = TagRepository(s)
    created_tags = 0
    for name in DEMO_TAGS:
        if tags.by_name(name) is None:
            tags.add(name)
            created_tags += 1
    alice = users.by_email("alice@example.com")
    assert alice is not None
    live = Dataset(
        user_id=alice.id,
        name=LIVE_DATASET[0],
        tags=[t for n in LIVE_DATASET[1] if (t := tags.by_name(n))],
    )
    s.add(live)
    s.add(
        Dataset(
            user_id=alice.id,
            name=DELETED_DATASET[0],
            deleted_at=utcnow(),
            tags=[t for n in DELETED_DATASET[1] if (t := tags.by_name(n))],
        )
    )
    s.flush()
    info = clip.info
    video = Video(  # seeded content is not charged
        dataset_id=live.id,
        name=DEMO_VIDEO_NAME,
        frame_count=info.frame_count,
        fps=info.fps,
        width=info.width,
        height=info.height,
        duration_s=info.duration_s,
        size_bytes=clip.path.stat().st_size,
        sha256="",
        thumbnail=clip.thumbnail,
        cost=0,
    )
    s.add(video)
    s.flush()
    with open(clip.path, "rb") as source:
        video.sha256 = write_chunks(s, VideoChunk, video.id, source).sha256
    return SeedReport(len(DEMO_USERS), created_tags, 2, 1)


