"""ORM mapped classes: the seed's tables plus the credit ledger, chunked content and tokens.

Decisions (see DESIGN.md): UUID keys; argon2id hashes in ``users.password``; balances as
integer milli-tokens with every change a ledger row; file content in chunk tables so uploads
run in constant memory; foreign keys cascade.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from videolab.db.types import UTCDateTime, utcnow
from videolab.db.unicode_text import fold_case
from videolab.domain.enums import JobStatus, LedgerReason, Role

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _enum(cls: type[Any], name: str) -> Enum:
    # Store the values ('user', 'PENDING'), not the Python member names.
    return Enum(
        cls,
        name=name,
        values_callable=lambda e: [m.value for m in e],
        native_enum=False,
        validate_strings=True,
        length=16,
    )


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class User(Timestamped, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("tokens >= 0", name="tokens_not_negative"),
        # A deleted account keeps its row (its ledger needs it) but not its email.
        Index(
            "uq_users_email_live",
            "email",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(320))
    #: argon2id hash (PHC string), never a plaintext or reversible value.
    password: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), default=Role.USER)
    #: Cached balance in milli-tokens; always equal to the sum of this user's ledger rows.
    tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Set while an administrator has disabled the account: no sign-in, no session.
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Set once the account is deleted: its data went to another account, its row and ledger
    #: stay as history, and it can never sign in again.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    datasets: Mapped[list[Dataset]] = relationship(back_populates="owner", passive_deletes=True)


class Tag(Timestamped, Base):
    __tablename__ = "tags"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(64), unique=True)


dataset_tags = Table(
    "dataset_tags",
    Base.metadata,
    Column("dataset_id", Uuid, ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", Uuid, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Dataset(Timestamped, Base):
    __tablename__ = "datasets"
    __table_args__ = (
        # Names are unique per user, whatever their case, among live datasets only (those in
        # the trash may repeat; restoring one refuses a clash). The index is on ``name_key``,
        # the case-folded name, rather than on lower(name): SQLite's lower() folds ASCII only,
        # so "Élan" and "élan" would both pass there, and PostgreSQL's would disagree with
        # Python's casefold ("Straße" / "STRASSE").
        Index(
            "uq_datasets_user_name_key_live",
            "user_id",
            "name_key",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    #: ``name`` case-folded (``db.unicode_text.fold_case``), kept in step by ``_fold_name``:
    #: what uniqueness is checked on. Folding may lengthen a name ("ß" -> "ss"), up to 3x.
    name_key: Mapped[str] = mapped_column(String(600))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    owner: Mapped[User] = relationship(back_populates="datasets")
    tags: Mapped[list[Tag]] = relationship(secondary=dataset_tags, order_by=Tag.name)

    @validates("name")
    def _fold_name(self, _key: str, name: str) -> str:
        self.name_key = fold_case(name)
        return name


class Video(Timestamped, Base):
    __tablename__ = "videos"
    __table_args__ = (Index("uq_videos_dataset_name", "dataset_id", "name", unique=True),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dataset_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    #: Frames that actually decode, not the container's estimate; until ``frames_verified``,
    #: the number of video packets the container holds (what the upload charged).
    frame_count: Mapped[int] = mapped_column(Integer)
    #: False from the upload until the decoder has counted the frames (and any packet that
    #: did not decode was refunded). Jobs only run on verified counts.
    frames_verified: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    fps: Mapped[float] = mapped_column(Float)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[float] = mapped_column(Float)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    thumbnail: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    #: What the upload cost (0 for seeded videos).
    cost: Mapped[int] = mapped_column(BigInteger, default=0)


class VideoChunk(Base):
    """The video file's content, in order; read and written one chunk at a time."""

    __tablename__ = "video_chunks"

    video_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class InferenceJob(Timestamped, Base):
    __tablename__ = "inference_jobs"
    __table_args__ = (Index("ix_inference_jobs_status", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # A job outlives its dataset too: deleting a dataset for good (from the trash) clears this
    # link and keeps the job, its result and its ledger rows.
    dataset_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("datasets.id", ondelete="SET NULL"), index=True, nullable=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # A job outlives its video: it is the record of what was held, charged and refunded, and
    # the ledger rows that name it must never lose it. Deleting the video settles a live job
    # first (services/videos.py) and then only clears this link.
    video_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("videos.id", ondelete="SET NULL"), index=True, nullable=True
    )
    #: The video's name when the job was accepted, shown after the video is deleted.
    video_name: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[JobStatus] = mapped_column(
        _enum(JobStatus, "job_status"), default=JobStatus.PENDING
    )
    #: What the user chose (model name, thresholds, frames): shown and exported as it is.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The weights file the job was accepted with, and whether the user consented to loading
    #: it although it is a pickle from outside the app's folders. Not user-facing parameters.
    model_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    allow_untrusted_model: Mapped[bool] = mapped_column(Boolean, default=False)
    frames_total: Mapped[int] = mapped_column(Integer, default=0)
    frames_processed: Mapped[int] = mapped_column(Integer, default=0)
    #: Credits held when the job was accepted (milli-tokens).
    cost: Mapped[int] = mapped_column(BigInteger, default=0)
    #: What the job finally cost once settled (milli-tokens); None while unsettled.
    charged: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    #: Grams of CO2-equivalent, float for milligram precision.
    carbon_footprint: Mapped[float | None] = mapped_column(Float, nullable=True)
    backend: Mapped[str | None] = mapped_column(String(32), nullable=True)
    device: Mapped[str | None] = mapped_column(String(32), nullable=True)
    model_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Set by ``jobs cancel`` (any process); the runner polls it and stops within a second.
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    #: "host:pid:process-start-time" of the process that owns the job, so start-up recovery
    #: closes only jobs whose process is really gone, not those of a live app beside us.
    owner: Mapped[str | None] = mapped_column(String(128), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    video: Mapped[Video | None] = relationship()
    result: Mapped[Result | None] = relationship(back_populates="job", passive_deletes=True)


class Result(Timestamped, Base):
    __tablename__ = "results"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    job_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("inference_jobs.id", ondelete="CASCADE"), unique=True
    )
    json_res: Mapped[dict[str, Any]] = mapped_column(JSON)
    zip_size: Mapped[int] = mapped_column(BigInteger, default=0)
    zip_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Counting lines and zones a person drew on the result (inference/counting.py's JSON).
    counting: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    job: Mapped[InferenceJob] = relationship(back_populates="result")


class ResultChunk(Base):
    """The annotated-frames ZIP (``image_zip``), in order, like video content."""

    __tablename__ = "result_chunks"

    result_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("results.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class CreditEntry(Base):
    """One change of a balance. The balance is the sum of these, always."""

    __tablename__ = "credit_ledger"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    delta: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[LedgerReason] = mapped_column(_enum(LedgerReason, "ledger_reason"))
    note: Mapped[str] = mapped_column(String(255), default="")
    # Money history outlives what it paid for: deleting a video keeps its ledger row.
    video_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("videos.id", ondelete="SET NULL"), nullable=True
    )
    # No ON DELETE action: deleting a job that has ledger rows fails, so a hold or refund can
    # never lose the job it belongs to (deleting the whole account removes both at once).
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("inference_jobs.id"), nullable=True, index=True
    )
    #: Makes every charge and refund happen at most once, even when retried after a crash.
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuthToken(Base):
    """A revocable "remember me" session. Only the SHA-256 of the random token is stored."""

    __tablename__ = "auth_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SignInThrottle(Base):
    """Failed sign-ins per email address, whether or not an account has that address: an
    unknown address backs off exactly like a real one, so the answers never tell which
    accounts exist. Only the SHA-256 of the normalised address is stored. Kept in the database
    so the back-off survives a restart and holds across processes."""

    __tablename__ = "sign_in_throttle"

    email_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
