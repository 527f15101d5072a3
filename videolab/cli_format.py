"""Turning DTOs into JSON-ready dicts and short text lines for the command line."""

from __future__ import annotations

import json
import sys
import uuid
from dataclasses import fields, is_dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from videolab.domain.dto import DatasetDTO, JobDTO, LedgerEntryDTO, TagDTO, UserDTO, VideoDTO
from videolab.domain.enums import LedgerReason
from videolab.domain.money import format_tokens, tokens_to_float


def plain(value: Any) -> Any:
    """JSON-ready form of DTOs, UUIDs, datetimes and enums (bytes are left out)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)
                if not isinstance(getattr(value, f.name), bytes)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def user_json(user: UserDTO) -> dict[str, Any]:
    return {"id": str(user.id), "email": user.email, "role": user.role.value,
            "tokens": tokens_to_float(user.tokens_milli)}


def dataset_json(ds: DatasetDTO) -> dict[str, Any]:
    return {"id": str(ds.id), "name": ds.name, "tags": list(ds.tags),
            "video_count": ds.video_count, "created_at": ds.created_at.isoformat(),
            "deleted_at": ds.deleted_at.isoformat() if ds.deleted_at else None,
            "jobs_stopped": ds.jobs_stopped}


def video_json(v: VideoDTO) -> dict[str, Any]:
    return {"id": str(v.id), "dataset_id": str(v.dataset_id), "name": v.name,
            "frame_count": v.frame_count, "fps": round(v.fps, 3), "width": v.width,
            "height": v.height, "duration_s": round(v.duration_s, 3),
            "size_bytes": v.size_bytes, "sha256": v.sha256,
            "cost": tokens_to_float(v.cost_milli), "frames_verified": v.frames_verified,
            "created_at": v.created_at.isoformat()}


def tag_json(t: TagDTO) -> dict[str, Any]:
    return {"id": str(t.id), "name": t.name, "dataset_count": t.dataset_count}


def ledger_json(e: LedgerEntryDTO) -> dict[str, Any]:
    return {"id": str(e.id), "delta": tokens_to_float(e.delta_milli), "reason": e.reason.value,
            "what": reason_words(e.reason), "for": e.subject,
            "balance_after": tokens_to_float(e.balance_after_milli), "note": e.note,
            "video_id": str(e.video_id) if e.video_id else None,
            "job_id": str(e.job_id) if e.job_id else None,
            "created_at": e.created_at.isoformat()}


def job_json(j: JobDTO) -> dict[str, Any]:
    return {"id": str(j.id), "status": j.status.value,
            "video_id": str(j.video_id) if j.video_id else None,
            "video_name": j.video_name, "dataset_id": str(j.dataset_id) if j.dataset_id else None,
            "frames_total": j.frames_total, "frames_processed": j.frames_processed,
            # Money in plain terms: what was held at acceptance, and once the job is settled
            # what it was charged and what went back (both null while it is live).
            "held": tokens_to_float(j.cost_milli),
            "charged": None if j.charged_milli is None else tokens_to_float(j.charged_milli),
            "refunded": None if j.refunded_milli is None else tokens_to_float(j.refunded_milli),
            "video_deleted": j.video_deleted, "dataset_in_trash": j.dataset_in_trash,
            "carbon_footprint": j.carbon_grams, "backend": j.backend, "device": j.device,
            "model": j.params.get("model"), "model_sha256": j.model_sha256, "error": j.error,
            "params": j.params,
            "created_at": j.created_at.isoformat(),
            "started_at": j.started_at.isoformat() if j.started_at else None,
            "finished_at": j.finished_at.isoformat() if j.finished_at else None,
            "has_result": j.has_result}


def job_text(j: JobDTO) -> str:
    """A job for people: what it is, where it stands, and its money in plain words."""
    video = j.video_name + (" (deleted)" if j.video_deleted else "")
    lines = [
        f"Job {j.id}",
        f"  video     {video}" + ("  [dataset in the trash]" if j.dataset_in_trash else ""),
        f"  model     {j.params.get('model', '?')}",
        f"  status    {j.status.value}",
        f"  frames    {j.frames_processed}/{j.frames_total} processed",
        f"  credits   {j.money_text()}",
    ]
    if j.backend or j.device:
        lines.append(f"  engine    {j.backend or '?'} on {j.device or '?'}")
    if j.carbon_grams is not None:
        lines.append(f"  carbon    {j.carbon_grams:.3f} g CO2e")
    if j.error:
        lines.append(f"  reason    {j.error}")
    return "\n".join(lines)


#: What a ledger row's reason code means, for people (codes stay in --json as "reason").
REASON_WORDS = {
    LedgerReason.GRANT: "opening balance",
    LedgerReason.RECHARGE: "recharge",
    LedgerReason.UPLOAD: "upload",
    LedgerReason.JOB_HOLD: "job hold",
    LedgerReason.JOB_REFUND: "job refund",
    LedgerReason.TRANSFER: "transfer",
}


def reason_words(reason: LedgerReason) -> str:
    return REASON_WORDS.get(reason, reason.value.replace("_", " "))


#: Past tense of each ``datasets`` action, for its one-line report.
_DATASET_DONE = {
    "create": "Created dataset {name}",
    "rename": "Renamed the dataset to {name}",
    "tag": "Set the tags of dataset {name} to {tags}",
    "delete": "Moved dataset {name} to the trash",
    "restore": "Restored dataset {name} from the trash",
}


def dataset_done(action: str, ds: DatasetDTO) -> str:
    """ "Created dataset Traffic (id)", and so on for each action."""
    template = _DATASET_DONE.get(action, action.capitalize() + " dataset {name}")
    tags = ", ".join(ds.tags) if ds.tags else "none"
    return template.format(name=ds.name, tags=tags) + f" ({ds.id})"


def file_size(size: int) -> str:
    """Bytes as people read them: 812 B, 4.1 KB, 12.3 MB, 1.09 GB (powers of 1000)."""
    value, unit = float(size), "B"
    for larger in ("KB", "MB", "GB", "TB"):
        if value < 1000:
            break
        value, unit = value / 1000, larger
    if unit == "B":
        return f"{size} B"
    return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"


def signed_tokens(milli: int) -> str:
    """A change of balance with its sign: +25.000, -0.240."""
    return ("+" if milli > 0 else "") + format_tokens(milli)


def emit(data: Any, *, as_json: bool, text: str | None = None) -> None:
    if as_json:
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif text is not None:
        print(text)


def table(rows: list[list[str]], header: list[str]) -> str:
    if not rows:
        return "(none)"
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=False))]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=False)) for r in rows]
    return "\n".join(line.rstrip() for line in lines)


def tokens(milli: int) -> str:
    return format_tokens(milli)
