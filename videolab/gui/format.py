"""How numbers, sizes, times and dates read in the GUI."""

from __future__ import annotations

from datetime import UTC, datetime

from videolab.domain.money import format_tokens

__all__ = ["carbon", "date_time", "duration", "format_tokens", "size", "tokens"]


def tokens(milli: int) -> str:
    return f"{format_tokens(milli)} tokens"


def size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = max(0.0, float(seconds))
    if seconds < 10:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def local(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone()


def date_time(dt: datetime | None) -> str:
    value = local(dt)
    if value is None:
        return ""
    today = datetime.now().astimezone().date()
    if value.date() == today:
        return value.strftime("Today %H:%M")
    return value.strftime("%Y-%m-%d %H:%M")


def timestamp(dt: datetime | None) -> float:
    value = local(dt)
    return value.timestamp() if value is not None else 0.0


def carbon(grams: float | None) -> str:
    if grams is None:
        return ""
    if grams < 1:
        return f"{grams * 1000:.1f} mg CO₂e"
    return f"{grams:.2f} g CO₂e"


def objects(per_class: dict[str, int]) -> str:
    """'14 person, 6 car': distinct tracks per class, most first."""
    ordered = sorted(per_class.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{n} {name}" for name, n in ordered) or "none"
