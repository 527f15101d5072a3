"""Demo data behind ``init --demo``: safe to run any number of times."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from videolab.db.chunks import write_chunks
from videolab.db.models import Dataset, Video, VideoChunk
from videolab.db.types import utcnow
from videolab.domain.enums import Role
from videolab.domain.money import MILLI_PER_TOKEN
from videolab.inference.probe import make_thumbnail, probe_video
from videolab.repositories.ledger import LedgerRepository
from videolab.repositories.tags import TagRepository
from videolab.repositories.users import UserRepository
from videolab.services.base import ServiceContext
from videolab.services.passwords import hash_password
from videolab.services.users import create_account

DEMO_PASSWORD = "videolab-demo"
DEMO_USERS = (
    ("admin@example.com", Role.ADMIN, 1000),
    ("alice@example.com", Role.USER, 100),
    ("bob@example.com", Role.USER, 50),
)
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
    """Create whatever of the demo data is missing; existing rows are left as they are."""
    password_hash: str | None = None
    with ctx.db.write() as s:
        users = UserRepository(s)
        ledger = LedgerRepository(s)
        created_users = 0
        for email, role, tokens in DEMO_USERS:
            if users.by_email(email) is None:
                password_hash = password_hash or hash_password(DEMO_PASSWORD)
                create_account(
                    users,
                    ledger,
                    email,
                    password_hash,
                    role,
                    tokens * MILLI_PER_TOKEN,
                    note="demo account",
                )
                created_users += 1
        tags = TagRepository(s)
        created_tags = 0
        for name in DEMO_TAGS:
            if tags.by_name(name) is None:
                tags.add(name)
                created_tags += 1
        alice = users.by_email("alice@example.com")
        assert alice is not None
        created_datasets = 0
        live = _dataset(s, alice.id, LIVE_DATASET[0])
        if live is None:
            live = Dataset(
                user_id=alice.id,
                name=LIVE_DATASET[0],
                tags=[t for n in LIVE_DATASET[1] if (t := tags.by_name(n))],
            )
            s.add(live)
            created_datasets += 1
        if _dataset(s, alice.id, DELETED_DATASET[0]) is None:
            s.add(
                Dataset(
                    user_id=alice.id,
                    name=DELETED_DATASET[0],
                    deleted_at=utcnow(),
                    tags=[t for n in DELETED_DATASET[1] if (t := tags.by_name(n))],
                )
            )
            created_datasets += 1
        s.flush()
        live_id = live.id
        has_video = s.scalar(select(Video.id).where(Video.dataset_id == live_id)) is not None
    videos = 0 if has_video else _add_demo_video(ctx, live_id)
    return SeedReport(created_users, created_tags, created_datasets, videos)


def _dataset(session: Session, user_id: uuid.UUID, name: str) -> Dataset | None:
    return session.scalar(select(Dataset).where(Dataset.user_id == user_id, Dataset.name == name))


def _add_demo_video(ctx: ServiceContext, dataset_id: uuid.UUID) -> int:
    """Generate the demo clip and store it; seeded content is not charged."""
    from videolab.inference.synthetic import generate_video

    with tempfile.TemporaryDirectory(prefix="videolab-seed-") as tmp:
        path = Path(tmp) / DEMO_VIDEO_NAME
        generate_video(path, seed=7, frames=DEMO_VIDEO_FRAMES)
        info = probe_video(path)
        thumbnail = make_thumbnail(path)
        with ctx.db.write() as s:
            # Another start may have seeded the video while this one was generating it.
            if s.scalar(select(Video.id).where(Video.dataset_id == dataset_id)) is not None:
                return 0
            video = Video(
                dataset_id=dataset_id,
                name=DEMO_VIDEO_NAME,
                frame_count=info.frame_count,
                fps=info.fps,
                width=info.width,
                height=info.height,
                duration_s=info.duration_s,
                size_bytes=path.stat().st_size,
                sha256="",
                thumbnail=thumbnail,
                cost=0,
            )
            s.add(video)
            s.flush()
            with open(path, "rb") as source:
                video.sha256 = write_chunks(s, VideoChunk, video.id, source).sha256
    return 1
