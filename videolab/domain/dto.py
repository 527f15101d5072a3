"""Frozen data handed out by services. Never ORM objects: these cross threads safely."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from videolab.domain.enums import JobStatus, LedgerReason, Role
from videolab.domain.money import format_tokens


@dataclass(frozen=True)
class UserDTO:
    id: uuid.UUID
    email: str
    role: Role
    tokens_milli: int
    created_at: datetime
    #: When an administrator disabled the account; None for an account in use.
    disabled_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_disabled(self) -> bool:
        return self.disabled_at is not None


@dataclass(frozen=True)
class LoginResult:
    user: UserDTO
    #: Raw "remember me" token, present only when one was asked for. Store it in the keyring.
    session_token: str | None = None


@dataclass(frozen=True)
class TagDTO:
    id: uuid.UUID
    name: str
    dataset_count: int = 0


@dataclass(frozen=True)
class DatasetDTO:
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    tags: tuple[str, ...]
    video_count: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    #: Set by moving to the trash: how many live jobs that stopped (and settled).
    jobs_stopped: int = 0

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


@dataclass(frozen=True)
class VideoDTO:
    id: uuid.UUID
    dataset_id: uuid.UUID
    name: str
    frame_count: int
    fps: float
    width: int
    height: int
    duration_s: float
    size_bytes: int
    sha256: str
    created_at: datetime
    thumbnail_jpeg: bytes | None = field(default=None, repr=False)
    #: What the upload cost, in milli-tokens (0 for seeded videos); after the frame check,
    #: net of its refund.
    cost_milli: int = 0
    #: False from the upload until the frames that decode have been counted: meanwhile
    #: ``frame_count`` is the container's packet count, which is what was charged.
    frames_verified: bool = True


@dataclass(frozen=True)
class UploadEstimate:
    """What an upload will cost, known after probing and before anything is stored."""

    path: str
    name: str
    frame_count: int
    cost_milli: int
    size_bytes: int


@dataclass(frozen=True)
class UploadProbe:
    """What ``VideoService.probe_upload`` measured, handed back to ``store_upload`` unchanged.

    ``frame_count`` is the number of video packets the container holds: what the upload
    charges (``cost_milli``). ``size_bytes``, ``mtime_ns``, ``identity`` (device, inode, size,
    modification and change times) and ``fingerprint`` (SHA-256 of the size, the first and
    the last MiB) let the store refuse a file that changed since it was probed.
    """

    path: Path
    name: str
    size_bytes: int
    mtime_ns: int
    frame_count: int
    cost_milli: int
    fps: float
    width: int
    height: int
    duration_s: float
    thumbnail_jpeg: bytes | None = field(default=None, repr=False)
    identity: tuple[int, ...] = ()
    fingerprint: str = ""


@dataclass(frozen=True)
class LedgerEntryDTO:
    id: uuid.UUID
    user_id: uuid.UUID
    delta_milli: int
    reason: LedgerReason
    balance_after_milli: int
    created_at: datetime
    note: str = ""
    video_id: uuid.UUID | None = None
    job_id: uuid.UUID | None = None
    #: What the entry paid for, in words ("clip.mp4", "job on clip.mp4"); "" if nothing.
    subject: str = ""


@dataclass(frozen=True)
class JobDTO:
    id: uuid.UUID
    user_id: uuid.UUID
    #: None once the dataset is deleted for good: the job, its result and its money stay.
    dataset_id: uuid.UUID | None
    #: None once the video is deleted: the job, its result and its money stay.
    video_id: uuid.UUID | None
    video_name: str
    status: JobStatus
    params: dict[str, Any]
    frames_total: int
    frames_processed: int
    #: Credits held when the job was accepted (milli-tokens).
    cost_milli: int
    #: What the job finally cost; None until it is settled (final).
    charged_milli: int | None
    carbon_grams: float | None
    backend: str | None
    device: str | None
    model_sha256: str | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    has_result: bool = False
    dataset_in_trash: bool = False

    @property
    def held_milli(self) -> int:
        return self.cost_milli

    @property
    def refunded_milli(self) -> int | None:
        """What went back to the balance at settlement; None until settled."""
        return None if self.charged_milli is None else self.cost_milli - self.charged_milli

    @property
    def video_deleted(self) -> bool:
        return self.video_id is None

    def money_text(self, amount: Callable[[int], str] = format_tokens) -> str:
        """What the job holds, or what it was charged and what came back, in plain words.
        ``amount`` writes a number of milli-tokens (the GUI passes its locale-aware one)."""
        held = amount(self.cost_milli)
        if self.charged_milli is None:
            return f"{held} tokens held"
        refunded = self.cost_milli - self.charged_milli
        if refunded == 0:
            return f"{amount(self.charged_milli)} tokens charged"
        return (
            f"{amount(self.charged_milli)} tokens charged, {amount(refunded)} "
            f"refunded (of {held} held)"
        )


@dataclass(frozen=True)
class StoredCopy:
    """A video the user already stored with the same content as a file about to be uploaded
    (``VideoService.copies_elsewhere``): uploading it again charges again."""

    dataset_id: uuid.UUID
    dataset_name: str
    video_name: str
    in_trash: bool
