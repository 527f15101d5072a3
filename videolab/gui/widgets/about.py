"""The About box: what this is, which versions of everything it runs on, and (in a desktop
bundle) a link to the licences of the third-party software inside it."""

from __future__ import annotations

import platform
import sqlite3
from importlib import metadata

import PySide6
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from videolab.frozen import notices_path
from videolab.gui.widgets.brand import app_icon


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def versions() -> list[tuple[str, str]]:
    return [
        ("VideoLab", version("videolab")),
        ("Python", platform.python_version()),
        ("Qt / PySide6", f"{qVersion()} / {PySide6.__version__}"),
        ("SQLAlchemy", version("sqlalchemy")),
        ("SQLite (Python)", sqlite3.sqlite_version),
        ("OpenCV", version("opencv-python")),
        ("PyTorch", version("torch")),  # read from metadata: importing torch takes seconds
        ("Ultralytics", version("ultralytics")),
        ("OpenVINO", version("openvino")),
        ("ONNX Runtime", version("onnxruntime")),
    ]


def about_text() -> str:
    rows = "".join(
        f"<tr><td>{name}</td><td>&nbsp;&nbsp;<b>{ver}</b></td></tr>" for name, ver in versions()
    )
    return (
        "<h2>VideoLab</h2>"
        "<p>Curate video datasets and run object detection on them, locally.</p>"
        f"<table>{rows}</table>"
        f"<p>{platform.system()} {platform.release()} · {platform.machine()}</p>"
        f"<p>{licences_html()}</p>"
    )


def licences_html() -> str:
    notices = notices_path()
    if notices is None:
        return (
            "VideoLab is MIT-licensed. The packages it runs on carry their own licences "
            "(Ultralytics, where installed, is AGPL-3.0)."
        )
    url = QUrl.fromLocalFile(str(notices)).toString()
    return (
        "VideoLab is MIT-licensed. The third-party software in this application and its "
        f'licences: <a href="{url}">{notices.name}</a>.'
    )


def show_about(parent: QWidget) -> QMessageBox:
    box = QMessageBox(parent)
    box.setWindowTitle("About VideoLab")
    box.setIconPixmap(app_icon().pixmap(64, 64))
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
    box.setText(about_text())
    box.open()
    return box
