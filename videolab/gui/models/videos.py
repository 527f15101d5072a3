"""The videos of one dataset: thumbnail, name, frames, duration, resolution, size, date."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPixmap

from videolab.domain.dto import VideoDTO
from videolab.gui import format as fmt
from videolab.gui.models.table import CENTER, RIGHT, Column, DtoTableModel

THUMB_SIZE = QSize(96, 54)


class VideoTableModel(DtoTableModel[VideoDTO]):
    columns = (
        Column("Video", lambda v: v.name, tooltip=lambda v: f"{v.name}\nSHA-256 {v.sha256}"),
        Column("Frames", lambda v: f"{v.frame_count:,}", sort=lambda v: v.frame_count, align=RIGHT),
        Column(
            "Duration",
            lambda v: fmt.duration(v.duration_s),
            sort=lambda v: v.duration_s,
            align=RIGHT,
        ),
        Column(
            "Resolution",
            lambda v: f"{v.width}×{v.height}",
            sort=lambda v: v.width * v.height,
            align=CENTER,
        ),
        Column("FPS", lambda v: f"{v.fps:.2f}", sort=lambda v: v.fps, align=RIGHT),
        Column("Size", lambda v: fmt.size(v.size_bytes), sort=lambda v: v.size_bytes, align=RIGHT),
        Column(
            "Added",
            lambda v: fmt.date_time(v.created_at),
            sort=lambda v: fmt.timestamp(v.created_at),
            align=RIGHT,
        ),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._thumbs: dict[uuid.UUID, QPixmap] = {}

    def thumbnail(self, video: VideoDTO) -> QPixmap | None:
        if video.thumbnail_jpeg is None:
            return None
        pix = self._thumbs.get(video.id)
        if pix is None:
            image = QImage.fromData(video.thumbnail_jpeg)
            if image.isNull():
                return None
            pix = QPixmap.fromImage(
                image.scaled(
                    THUMB_SIZE * 2,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
            pix.setDevicePixelRatio(2.0)
            self._thumbs[video.id] = pix
        return pix

    def extra_data(self, row: VideoDTO, column: int, role: int) -> Any:
        if column == 0 and role == Qt.ItemDataRole.DecorationRole:
            return self.thumbnail(row)
        return None
