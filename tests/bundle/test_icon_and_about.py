"""The windows and the About box use the shipped icon; the About box links a bundle's
third-party licence notice."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSize

from videolab import frozen
from videolab.gui.widgets import about
from videolab.gui.widgets.brand import app_icon


def test_the_app_icon_is_the_shipped_png_sizes(qapp: object) -> None:
    sizes = app_icon().availableSizes()
    assert QSize(512, 512) in sizes and QSize(16, 16) in sizes  # 512: only the files have it


def test_the_about_box_shows_the_icon(qtbot: object, qapp: object) -> None:
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    box = about.show_about(parent)
    try:
        assert not box.iconPixmap().isNull()
        assert box.iconPixmap().toImage() == app_icon().pixmap(64, 64).toImage()
    finally:
        box.close()
        parent.deleteLater()


def test_a_bundle_s_about_box_links_its_licence_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notice = tmp_path / frozen.NOTICES_FILE
    notice.write_text("notices")
    monkeypatch.setattr(about, "notices_path", lambda: notice)
    text = about.about_text()
    assert f'href="file://{notice}"' in text and frozen.NOTICES_FILE in text


def test_a_bundle_finds_its_notice_beside_its_executables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert frozen.notices_path() is None  # from source: no notice file
    monkeypatch.setattr("sys.frozen", True, raising=False)
    monkeypatch.setattr("sys.executable", str(tmp_path / "videolab"))
    assert frozen.notices_path() is None  # a bundle without one: no broken link
    (tmp_path / frozen.NOTICES_FILE).write_text("notices")
    assert frozen.notices_path() == tmp_path.resolve() / frozen.NOTICES_FILE
