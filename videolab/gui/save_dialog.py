"""Where exports are saved: the user's Documents folder at first, then the folder they last
saved an export to, with a file name made from the video's name ("clip.json").

Qt's save dialog resolves a bare file name against the working directory, which for a
desktop app is wherever it was launched from (often ``/`` or the install folder); so the
suggestion is always a full path.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

#: The GUI's settings file in the app's config folder (the same one the window layout uses).
SETTINGS_FILE = "gui.ini"
_KEY = "exports/folder"

#: File name endings per export, after the video's stem: "clip.json", "clip.coco.json".
ENDINGS = {
    "json": ".json",
    "coco": ".coco.json",
    "csv": ".csv",
    "zip": ".zip",
    "zip-full": ".zip",
    "mp4": "-annotated.mp4",
    "mot": ".mot.txt",
}


def suggested_name(video_name: str, kind: str) -> str:
    """ "clip.mp4" and "json" -> "clip.json" (never "clip-json.json")."""
    return Path(video_name).stem + ENDINGS.get(kind, f".{kind}")


def _settings(config_dir: Path) -> QSettings:
    return QSettings(str(config_dir / SETTINGS_FILE), QSettings.Format.IniFormat)


def documents_dir() -> Path:
    """The user's Documents folder, or their home folder when there is none."""
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(docs) if docs and Path(docs).is_dir() else Path.home()


def export_folder(config_dir: Path) -> Path:
    """The folder the last export went to, while it exists; else Documents."""
    last = _settings(config_dir).value(_KEY)
    if isinstance(last, str) and last and Path(last).is_dir():
        return Path(last)
    return documents_dir()


def remember_folder(config_dir: Path, folder: Path) -> None:
    settings = _settings(config_dir)
    settings.setValue(_KEY, str(folder))
    settings.sync()


def ask_export_path(
    parent: QWidget | None, config_dir: Path, title: str, file_name: str, file_filter: str = ""
) -> Path | None:
    """Ask where to save an export; None when the user cancels. The chosen folder becomes the
    next export's starting folder."""
    start = export_folder(config_dir) / file_name
    path, _ = QFileDialog.getSaveFileName(parent, title, str(start), file_filter)
    if not path:
        return None
    chosen = Path(path)
    remember_folder(config_dir, chosen.parent)
    return chosen
