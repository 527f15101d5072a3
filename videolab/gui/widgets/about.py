"""The About box: what this is and which versions of everything it runs on."""

from __future__ import annotations

import platform
import sqlite3
from importlib import metadata

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from videolab.gui.widgets.brand import mark_pixmap


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
    )


def show_about(parent: QWidget) -> QMessageBox:
    box = QMessageBox(parent)
    box.setWindowTitle("About VideoLab")
    box.setIconPixmap(mark_pixmap(64))
    box.setText(about_text())
    box.open()
    return box
