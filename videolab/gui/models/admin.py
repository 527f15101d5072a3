"""Accounts, their ledgers, and tags: the tables of the admin screen."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from videolab.domain.dto import LedgerEntryDTO, TagDTO, UserDTO
from videolab.gui import format as fmt
from videolab.gui.models.table import CENTER, RIGHT, Column, DtoTableModel

REASONS = {
    "grant": "Opening balance",
    "recharge": "Recharge",
    "upload": "Upload",
    "upload_refund": "Upload refund (frames that did not decode)",
    "job_hold": "Job started (cost held)",
    "job_refund": "Job ended (unused part refunded)",
    "transfer": "Transfer",
}


class UserTableModel(DtoTableModel[UserDTO]):
    columns = (
        Column("Email", lambda u: u.email),
        Column("Role", lambda u: u.role.value.capitalize(), align=CENTER),
        Column("Status", lambda u: "Disabled" if u.is_disabled else "Active", align=CENTER),
        Column(
            "Balance",
            lambda u: fmt.amount(u.tokens_milli),
            sort=lambda u: u.tokens_milli,
            align=RIGHT,
        ),
        Column(
            "Member since",
            lambda u: fmt.date_time(u.created_at),
            sort=lambda u: fmt.timestamp(u.created_at),
            align=RIGHT,
        ),
    )


class LedgerTableModel(DtoTableModel[LedgerEntryDTO]):
    columns = (
        Column(
            "When",
            lambda e: fmt.date_time(e.created_at),
            sort=lambda e: fmt.timestamp(e.created_at),
        ),
        Column(
            "Change",
            lambda e: fmt.amount(e.delta_milli, signed=True),
            sort=lambda e: e.delta_milli,
            align=RIGHT,
        ),
        Column("Reason", lambda e: REASONS.get(e.reason.value, e.reason.value)),
        Column(
            "Balance after",
            lambda e: fmt.amount(e.balance_after_milli),
            sort=lambda e: e.balance_after_milli,
            align=RIGHT,
        ),
        Column("Note", lambda e: e.note),
    )

    def extra_data(self, row: LedgerEntryDTO, column: int, role: int) -> Any:
        if column == 1 and role == Qt.ItemDataRole.ForegroundRole:
            return QColor("#2e9d57") if row.delta_milli > 0 else None
        return None


class TagTableModel(DtoTableModel[TagDTO]):
    columns = (
        Column("Tag", lambda t: t.name),
        Column(
            "Datasets", lambda t: str(t.dataset_count), sort=lambda t: t.dataset_count, align=RIGHT
        ),
    )

    @staticmethod
    def key(row: TagDTO) -> uuid.UUID:
        return row.id
