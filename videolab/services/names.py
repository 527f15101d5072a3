"""Rules for names people type (datasets, tags, videos)."""

from __future__ import annotations

import unicodedata

from videolab.domain.errors import InvalidInput


def clean_name(name: str, *, what: str, max_length: int) -> str:
    """Trim, normalise to NFC and refuse empty, over-long or control-character names."""
    cleaned = unicodedata.normalize("NFC", name).strip()
    if not cleaned:
        raise InvalidInput(f"A {what} name cannot be empty.")
    if len(cleaned) > max_length:
        raise InvalidInput(f"A {what} name is at most {max_length} characters.")
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in cleaned):
        raise InvalidInput(f"A {what} name cannot contain control characters.")
    return cleaned
