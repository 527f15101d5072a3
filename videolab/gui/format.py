"""How numbers, sizes, times and dates read in the GUI.

Every token amount the GUI shows goes through ``amount``/``tokens`` here. They are exact
(integer milli-tokens, never a float) and written for people: the locale's decimal separator
and digit grouping, and no trailing zeros: "100 tokens", "0.012 tokens", and "1.234,5 tokens"
in a German locale. ``domain.money.format_tokens`` ("100.000") stays the
machine-stable form for the CLI and files; in many locales it reads as a hundred thousand.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QLocale

from videolab.domain.money import MILLI_PER_TOKEN

__all__ = ["amount", "carbon", "date_time", "duration", "size", "tokens"]


def amount(
    milli: int, *, signed: bool = False, grouping: bool = True, locale: QLocale | None = None
) -> str:
    """Milli-tokens as a number for people: 100000 -> "100", 12 -> "0.012", 1234500 ->
    "1,234.5" (en) or "1.234,5" (de). ``signed`` writes "+" before a positive amount;
    ``grouping=False`` leaves out the thousands separator (text a person edits)."""
    loc = locale if locale is not None else QLocale()
    whole, frac = divmod(abs(milli), MILLI_PER_TOKEN)
    text = loc.toString(whole) if grouping else str(whole)
    digits = f"{frac:03d}".rstrip("0")
    if digits:
        text += loc.decimalPoint() + digits
    if milli < 0:
        return loc.negativeSign() + text
    if signed and milli > 0:
        return loc.positiveSign() + text
    return text


def tokens(milli: int, *, signed: bool = False, locale: QLocale | None = None) -> str:
    """ "100 tokens", "0.012 tokens", "1 token"."""
    unit = "token" if abs(milli) == MILLI_PER_TOKEN else "tokens"
    return f"{amount(milli, signed=signed, locale=locale)} {unit}"


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
