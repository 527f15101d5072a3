"""Token amounts read the same for everyone: "100.000" is a hundred thousand in German."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QLocale

from videolab.domain.dto import UserDTO
from videolab.domain.enums import Role
from videolab.gui import format as fmt
from videolab.gui.widgets.account_dialogs import RechargeDialog

GERMAN = QLocale(QLocale.Language.German, QLocale.Country.Germany)
ENGLISH = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


@pytest.mark.parametrize(
    ("milli", "english", "german"),
    [
        (100_000, "100 tokens", "100 tokens"),
        (12, "0.012 tokens", "0,012 tokens"),
        (480, "0.48 tokens", "0,48 tokens"),
        (1_234_500, "1,234.5 tokens", "1.234,5 tokens"),
        (1_000, "1 token", "1 token"),
        (0, "0 tokens", "0 tokens"),
        (-2_500, "-2.5 tokens", "-2,5 tokens"),
    ],
)
def test_amounts_use_the_locale_and_drop_needless_zeros(
    milli: int, english: str, german: str
) -> None:
    assert fmt.tokens(milli, locale=ENGLISH) == english
    assert fmt.tokens(milli, locale=GERMAN) == german


def test_a_signed_amount_shows_its_plus() -> None:
    assert fmt.amount(7_250, signed=True, locale=ENGLISH) == "+7.25"
    assert fmt.amount(-7_250, signed=True, locale=GERMAN) == "-7,25"
    assert fmt.amount(0, signed=True, locale=ENGLISH) == "0"


@pytest.fixture
def german_default() -> Iterator[None]:
    previous = QLocale()
    QLocale.setDefault(GERMAN)
    try:
        yield
    finally:
        QLocale.setDefault(previous)


def _user(milli: int) -> UserDTO:
    import uuid
    from datetime import UTC, datetime

    return UserDTO(uuid.uuid4(), "alice@example.com", Role.USER, milli, datetime.now(UTC))


def test_widgets_follow_the_default_locale(qtbot, german_default: None) -> None:  # type: ignore[no-untyped-def]
    dialog = RechargeDialog(None, _user(100_000))
    qtbot.addWidget(dialog)
    assert "100 tokens" in dialog.account.text()
    assert "100.000" not in dialog.account.text()
    assert fmt.tokens(1_500) == "1,5 tokens"
