"""The credit ledger: the only code that changes a balance.

Every change is a ledger row and the cached ``users.tokens`` moves in the same transaction, so
the balance equals the ledger sum by construction. The idempotency key makes each charge or
refund happen at most once, and the balance is never allowed below zero.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from videolab.db.models import CreditEntry, InferenceJob, User, Video
from videolab.domain.dto import LedgerEntryDTO
from videolab.domain.enums import LedgerReason
from videolab.domain.errors import InsufficientCredits, NotFound
from videolab.domain.money import tokens_text


def to_dto(entry: CreditEntry, subject: str = "") -> LedgerEntryDTO:
    return LedgerEntryDTO(
        id=entry.id,
        user_id=entry.user_id,
        delta_milli=entry.delta,
        reason=LedgerReason(entry.reason),
        balance_after_milli=entry.balance_after,
        created_at=entry.created_at,
        note=entry.note,
        video_id=entry.video_id,
        job_id=entry.job_id,
        subject=subject,
    )


class LedgerRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def lock_user(self, user_id: uuid.UUID) -> User:
        """The user row, locked for the rest of the transaction (PostgreSQL: FOR UPDATE).

        On SQLite the write transaction already began IMMEDIATE, which serialises writers.
        """
        user = self.s.scalar(select(User).where(User.id == user_id).with_for_update())
        if user is None:
            raise NotFound("That account does not exist.")
        return user

    def by_key(self, key: str) -> CreditEntry | None:
        return self.s.scalar(select(CreditEntry).where(CreditEntry.idempotency_key == key))

    def has_key(self, key: str) -> bool:
        return (
            self.s.scalar(select(CreditEntry.id).where(CreditEntry.idempotency_key == key))
            is not None
        )

    def post(
        self,
        user_id: uuid.UUID,
        delta: int,
        reason: LedgerReason,
        key: str,
        *,
        note: str = "",
        video_id: uuid.UUID | None = None,
        job_id: uuid.UUID | None = None,
    ) -> CreditEntry | None:
        """Apply ``delta`` to the balance once. Returns None if ``key`` was already posted."""
        if self.has_key(key):
            return None
        user = self.lock_user(user_id)
        new_balance = user.tokens + delta
        if new_balance < 0:
            raise InsufficientCredits(
                f"Not enough credits: this needs {tokens_text(-delta)} and the balance "
                f"is {tokens_text(user.tokens)}.",
                needed_milli=-delta,
                available_milli=user.tokens,
            )
        user.tokens = new_balance
        entry = CreditEntry(
            user_id=user_id,
            delta=delta,
            balance_after=new_balance,
            reason=reason,
            note=note[:255],
            video_id=video_id,
            job_id=job_id,
            idempotency_key=key,
        )
        self.s.add(entry)
        self.s.flush()
        return entry

    def entries(self, user_id: uuid.UUID) -> Sequence[CreditEntry]:
        return self.s.scalars(
            select(CreditEntry)
            .where(CreditEntry.user_id == user_id)
            .order_by(CreditEntry.created_at, CreditEntry.balance_after)
        ).all()

    def entries_with_subjects(self, user_id: uuid.UUID) -> list[tuple[CreditEntry, str]]:
        """Each entry with what it paid for, in words: the video's name for an upload, "job
        on NAME" for a job's hold or refund (the job keeps the name after its video is gone);
        "" for recharges, grants and transfers."""
        rows = self.s.execute(
            select(CreditEntry, Video.name, InferenceJob.video_name)
            .outerjoin(Video, Video.id == CreditEntry.video_id)
            .outerjoin(InferenceJob, InferenceJob.id == CreditEntry.job_id)
            .where(CreditEntry.user_id == user_id)
            .order_by(CreditEntry.created_at, CreditEntry.balance_after)
        ).all()
        return [
            (entry, f"job on {job_video}" if job_video is not None else (video or ""))
            for entry, video, job_video in rows
        ]

    def ledger_sum(self, user_id: uuid.UUID) -> int:
        return int(
            self.s.scalar(
                select(func.coalesce(func.sum(CreditEntry.delta), 0)).where(
                    CreditEntry.user_id == user_id
                )
            )
            or 0
        )
