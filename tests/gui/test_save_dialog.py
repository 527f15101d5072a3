"""Exports are offered in Documents, then in the folder last saved to, as "<video>.json"."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import open_window, wait_idle
from PySide6.QtWidgets import QFileDialog

from videolab.gui import save_dialog
from videolab.gui.save_dialog import ask_export_path, suggested_name


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("json", "clip.json"),
        ("coco", "clip.coco.json"),
        ("csv", "clip.csv"),
        ("zip", "clip.zip"),
        ("mp4", "clip-annotated.mp4"),
    ],
)
def test_suggested_names_are_the_video_name(kind: str, name: str) -> None:
    assert suggested_name("clip.mp4", kind) == name


class SaveDialog:
    """Stands in for QFileDialog.getSaveFileName: records where it starts, answers ``reply``."""

    def __init__(self) -> None:
        self.started: list[Path] = []
        self.reply = ""

    def __call__(self, parent: object, title: str, start: str, *filters: object) -> tuple[str, str]:
        self.started.append(Path(start))
        return self.reply, ""


@pytest.fixture
def save_as(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> SaveDialog:
    fake = SaveDialog()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake)
    docs = tmp_path / "Documents"
    docs.mkdir()
    monkeypatch.setattr(save_dialog, "documents_dir", lambda: docs)
    return fake


def test_the_first_export_starts_in_documents_then_in_the_last_folder(  # type: ignore[no-untyped-def]
    save_as: SaveDialog, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.mkdir()
    assert ask_export_path(None, config, "Export JSON", "clip.json") is None  # cancelled
    assert save_as.started[-1] == tmp_path / "Documents" / "clip.json"
    assert save_as.started[-1].is_absolute()  # never the working directory

    shared = tmp_path / "shared"
    shared.mkdir()
    save_as.reply = str(shared / "clip.json")
    assert ask_export_path(None, config, "Export JSON", "clip.json") == shared / "clip.json"
    ask_export_path(None, config, "Export CSV", "clip.csv")
    assert save_as.started[-1] == shared / "clip.csv"

    shared.rmdir()  # gone: back to Documents
    ask_export_path(None, config, "Export CSV", "clip.csv")
    assert save_as.started[-1] == tmp_path / "Documents" / "clip.csv"


def test_the_video_export_suggests_its_name_in_documents(  # type: ignore[no-untyped-def]
    qtbot, app, demo, save_as: SaveDialog, tmp_path: Path
) -> None:
    window = open_window(qtbot, app, demo.alice)
    window.datasets.select(app.datasets.list(demo.alice)[0].id)
    wait_idle(qtbot, window)
    video = window.videos.current()
    assert video is not None
    window.videos.export_video()
    assert save_as.started == [tmp_path / "Documents" / video.name]
