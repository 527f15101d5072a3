"""Token amounts read the same for everyone: "100.000" is a hundred thousand in German."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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


def test_the_balance_badge_reads_100_tokens(qtbot, app, demo) -> None:  # type: ignore[no-untyped-def]
    from gui_helpers import open_window

    user = app.users.create(demo.admin, "round@example.com", "round password", "user", 100_000)
    window = open_window(qtbot, app, user)
    assert window.badge.balance_text() == "<b>100</b> tokens"  # was "<b>100.000</b> tokens"


def test_no_gui_module_formats_amounts_on_its_own() -> None:
    """The GUI writes amounts only through gui/format; domain.money.format_tokens is the CLI's
    machine-stable form ("100.000")."""
    import videolab.gui

    root = Path(videolab.gui.__file__).parent
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.name != "format.py" and "format_tokens" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_token_inputs_drop_needless_zeros_too(qtbot) -> None:  # type: ignore[no-untyped-def]
    from videolab.gui.widgets.token_input import TokenSpinBox

    box = TokenSpinBox(0, 1_000_000, 10)
    qtbot.addWidget(box)
    box.setLocale(ENGLISH)
    assert box.text() == "10 tokens"  # a plain QDoubleSpinBox showed "10.000 tokens"
    box.setValue(2.5)
    assert box.text() == "2.5 tokens" and box.milli() == 2_500
    box.setLocale(GERMAN)
    box.setValue(0.012)
    assert box.text() == "0,012 tokens" and box.milli() == 12
