"""Credits are exact integers of milli-tokens (1 token = 1000); people see three decimals."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from videolab.domain.errors import InvalidInput

MILLI_PER_TOKEN = 1000
#: 0.001 token per uploaded frame.
UPLOAD_MILLI_PER_FRAME = 1
#: 0.002 token per processed frame.
INFERENCE_MILLI_PER_FRAME = 2


def format_tokens(milli: int) -> str:
    """Render milli-tokens as tokens with three decimals: 12345 -> '12.345'."""
    sign = "-" if milli < 0 else ""
    whole, frac = divmod(abs(milli), MILLI_PER_TOKEN)
    return f"{sign}{whole}.{frac:03d}"


def tokens_text(milli: int) -> str:
    """An amount in a sentence (error messages, shared by the CLI and the GUI): without
    needless zeros, so "100.000" is never read as a hundred thousand. "100 tokens",
    "0.01 tokens", "1 token". The GUI's own labels use ``gui/format`` (the locale's
    separator); tables and files keep ``format_tokens``."""
    whole, frac = divmod(abs(milli), MILLI_PER_TOKEN)
    digits = f"{frac:03d}".rstrip("0")
    number = ("-" if milli < 0 else "") + str(whole) + (f".{digits}" if digits else "")
    return f"{number} {'token' if abs(milli) == MILLI_PER_TOKEN else 'tokens'}"


def tokens_to_float(milli: int) -> float:
    """Tokens as a float, for JSON output (exact to three decimals)."""
    return round(milli / MILLI_PER_TOKEN, 3)


def parse_tokens(text: str | float | int) -> int:
    """Parse a token amount a person typed ('12', '0.5', '1.234') into milli-tokens."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise InvalidInput(f"'{text}' is not an amount of tokens.") from None
    if not value.is_finite():
        raise InvalidInput(f"'{text}' is not an amount of tokens.")
    milli = value * MILLI_PER_TOKEN
    if milli != milli.to_integral_value():
        raise InvalidInput("Token amounts have at most three decimals (0.001 is the smallest).")
    return int(milli)


def upload_cost(frames: int) -> int:
    return frames * UPLOAD_MILLI_PER_FRAME


def inference_cost(frames: int) -> int:
    return frames * INFERENCE_MILLI_PER_FRAME
