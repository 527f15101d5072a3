"""Enumerations stored in the database and shown to people."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


class JobStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    FAILED = "FAILED"
    ABORTED = "ABORTED"
    COMPLETED = "COMPLETED"

    @property
    def is_final(self) -> bool:
        return self in (JobStatus.FAILED, JobStatus.ABORTED, JobStatus.COMPLETED)


class LedgerReason(StrEnum):
    """Why a balance changed; one ledger row per change."""

    GRANT = "grant"  # opening balance of a new account
    RECHARGE = "recharge"  # an admin added credits
    UPLOAD = "upload"  # 0.001 token per stored frame (per video packet, checked later)
    UPLOAD_REFUND = "upload_refund"  # packets charged at upload that did not decode
    JOB_HOLD = "job_hold"  # estimated job cost held when the job is accepted
    JOB_REFUND = "job_refund"  # the unused part of a hold given back (aborted / failed job)
    TRANSFER = "transfer"  # a deleted account's balance moved to the account taking its data
