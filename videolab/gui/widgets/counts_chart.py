"""Per-class detection counts over the processed frames, painted with QPainter.

Readable at any length: the classes are stacked (a band each, so no line hides another), the
few most frequent are named and the rest summed as "other", and a long job is averaged into
one point per couple of pixels (mean detections per frame in each bin) instead of drawing
thousands of points on top of each other. Clicking or dragging jumps to the nearest processed
frame.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from videolab.gui.widgets import look

#: Classes named in the chart; the others are summed as "other".
MAX_NAMED = 5
OTHER = "other"
#: Pixels per point: a longer series is averaged into bins this wide.
BIN_PX = 3
X_TITLE = "frame"
LEGEND_ROWS = 2
LEGEND_GAP = 24  # a swatch, its gap and the space before the next entry
Y_TITLE = "detections"


@dataclass(frozen=True)
class Band:
    """One stacked band: a class (or "other", class_id None) and its count in each frame."""

    name: str
    class_id: int | None
    values: tuple[float, ...]

    @property
    def total(self) -> int:
        return round(sum(self.values))


def limit_series(
    series: Mapping[str, tuple[int, Sequence[int]]], named: int = MAX_NAMED
) -> list[Band]:
    """The ``named`` classes with the most detections, most first, then "other" (the sum of
    the rest) when there is a rest."""
    ranked = sorted(series.items(), key=lambda kv: (-sum(kv[1][1]), kv[0]))
    bands = [Band(name, cid, tuple(float(v) for v in values)) for name, (cid, values) in
             ranked[:named]]
    rest = ranked[named:]
    if rest:
        length = max(len(values) for _, (_, values) in rest)
        summed = [0.0] * length
        for _, (_, values) in rest:
            for i, v in enumerate(values):
                summed[i] += v
        bands.append(Band(OTHER, None, tuple(summed)))
    return bands


def bin_means(
    frames: Sequence[int], bands: Sequence[Sequence[float]], bins: int
) -> tuple[list[float], list[list[float]]]:
    """The frames cut into at most ``bins`` equal stretches of the frame range: for each
    stretch that holds processed frames, the mean of their frame numbers (where it is drawn)
    and each band's mean count per frame. With no more frames than bins, the frames as they
    are."""
    if len(frames) <= bins:
        return [float(f) for f in frames], [[float(v) for v in b] for b in bands]
    lo, hi = frames[0], frames[-1]
    span = hi - lo + 1
    sums = [0.0] * bins
    counts = [0] * bins
    band_sums = [[0.0] * bins for _ in bands]
    for i, frame in enumerate(frames):
        k = min(bins - 1, (frame - lo) * bins // span)
        sums[k] += frame
        counts[k] += 1
        for b, values in enumerate(bands):
            band_sums[b][k] += values[i]
    kept = [k for k in range(bins) if counts[k]]
    xs = [sums[k] / counts[k] for k in kept]
    return xs, [[s[k] / counts[k] for k in kept] for s in band_sums]


def nice_step(top: float, ticks: int = 4) -> int:
    """An integer tick step (1, 2, 5, 10, 20, 50...) giving at most ``ticks`` steps to ``top``."""
    raw = max(1.0, top / ticks)
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * power >= raw:
            return int(m * power)
    return int(10 * power)


class CountsChart(QWidget):
    frame_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.frames: list[int] = []
        self.bands: list[Band] = []
        self.cursor_frame: int | None = None
        # What is painted: the bins for the current width (recomputed when it changes).
        self.xs: list[float] = []
        self.stacks: list[list[float]] = []  # per band, the top of its band at each x
        self.per_point = 1.0  # frames averaged into one point (1: every frame drawn)
        self._binned_for = -1
        self.setMinimumHeight(160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMouseTracking(False)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(
            "Detections per processed frame, one band per class (stacked); "
            "click to jump to a frame"
        )

    def sizeHint(self) -> QSize:
        return QSize(480, 200)

    def set_data(
        self, frames: Sequence[int], series: Mapping[str, tuple[int, Sequence[int]]]
    ) -> None:
        self.frames = list(frames)
        self.bands = limit_series(series)
        self._binned_for = -1
        self.update()

    def set_cursor(self, frame: int | None) -> None:
        self.cursor_frame = frame
        self.update()

    # -- data as drawn -----------------------------------------------------------------------
    def bins(self) -> int:
        return max(1, int(self.plot_rect().width() // BIN_PX))

    def _bin(self) -> None:
        bins = self.bins()
        if bins == self._binned_for:
            return
        self._binned_for = bins
        self.xs, means = bin_means(self.frames, [b.values for b in self.bands], bins)
        self.per_point = len(self.frames) / max(1, len(self.xs))
        running = [0.0] * len(self.xs)
        self.stacks = []
        for values in means:
            running = [r + v for r, v in zip(running, values, strict=True)]
            self.stacks.append(running)

    def y_top(self) -> int:
        """The top of the y axis: the highest stack, rounded up to a tick."""
        self._bin()
        peak = max(self.stacks[-1], default=0.0) if self.stacks else 0.0
        step = nice_step(peak)
        return max(1, math.ceil(peak / step) * step)

    # -- geometry ----------------------------------------------------------------------------
    def _left(self) -> float:
        """The plot's left edge: room for the y title (turned) and the widest tick label."""
        fm = QFontMetrics(self.font())
        return fm.height() + fm.horizontalAdvance("00000") + 8

    def plot_rect(self) -> QRectF:
        fm = QFontMetrics(self.font())
        # top: the legend's rows; bottom: the x tick labels and the x title.
        top = 6 + len(self.legend_rows()) * (fm.height() + 2) + 4
        return QRectF(self.rect()).adjusted(
            self._left(), top, -(fm.horizontalAdvance("0") + 6), -(2 * fm.height() + 8)
        )

    def _x_range(self) -> tuple[int, int]:
        if not self.frames:
            return 0, 1
        lo, hi = self.frames[0], self.frames[-1]
        return lo, max(hi, lo + 1)

    def x_of(self, frame: float) -> float:
        r = self.plot_rect()
        lo, hi = self._x_range()
        return r.left() + (frame - lo) / (hi - lo) * r.width()

    def frame_at(self, x: float) -> int | None:
        if not self.frames:
            return None
        r = self.plot_rect()
        lo, hi = self._x_range()
        target = lo + (x - r.left()) / max(1.0, r.width()) * (hi - lo)
        i = bisect.bisect_left(self.frames, target)
        candidates = [self.frames[j] for j in (i - 1, i) if 0 <= j < len(self.frames)]
        return min(candidates, key=lambda f: abs(f - target))

    def x_title(self) -> str:
        if self.per_point > 1.05:
            return f"{X_TITLE} (each point: mean of {self.per_point:.0f} frames)"
        return X_TITLE

    def label_rect(self, text: str, x: float, y: float) -> QRectF:
        """Where a tick label centred on ``x`` goes: shifted in so that it is never cut off
        at the widget's edges."""
        fm = QFontMetrics(self.font())
        w = fm.horizontalAdvance(text) + 2
        left = min(max(0.0, x - w / 2), self.width() - w)
        return QRectF(left, y, w, fm.height())

    # -- events ------------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        self._binned_for = -1
        super().resizeEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        frame = self.frame_at(event.position().x())
        if frame is not None:
            self.frame_clicked.emit(frame)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.mousePressEvent(event)

    def colour(self, band: Band) -> QColor:
        return look.other_colour() if band.class_id is None else look.class_colour(band.class_id)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        painter.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        if not self.frames:
            painter.setPen(look.muted())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No detections to chart")
            return
        self._bin()
        self._paint_axes(painter)
        self._paint_bands(painter)
        self._paint_legend(painter)
        if self.cursor_frame is not None:
            r = self.plot_rect()
            x = self.x_of(self.cursor_frame)
            painter.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 1.5))
            painter.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()))

    def _paint_axes(self, painter: QPainter) -> None:
        pal = self.palette()
        r = self.plot_rect()
        fm = QFontMetrics(self.font())
        top = self.y_top()
        step = nice_step(top)
        grid = QPen(pal.color(QPalette.ColorRole.Mid))
        grid.setStyle(Qt.PenStyle.DotLine)
        for value in range(0, top + 1, step):
            y = r.bottom() - value / top * r.height()
            painter.setPen(grid)
            painter.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))
            painter.setPen(look.muted())
            painter.drawText(
                QRectF(0, y - fm.height() / 2, r.left() - 6, fm.height()),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                f"{value:,}",
            )
        lo, hi = self._x_range()
        for frame in sorted({lo, (lo + hi) // 2, self.frames[-1]}):
            text = f"{frame:,}"
            painter.drawText(
                self.label_rect(text, self.x_of(frame), r.bottom() + 4),
                int(Qt.AlignmentFlag.AlignCenter),
                text,
            )
        # axis titles: x centred under the tick labels, y turned along the left edge
        painter.drawText(
            QRectF(r.left(), r.bottom() + 4 + fm.height(), r.width(), fm.height()),
            int(Qt.AlignmentFlag.AlignCenter),
            fm.elidedText(self.x_title(), Qt.TextElideMode.ElideRight, int(r.width())),
        )
        painter.save()
        painter.translate(2, r.center().y())
        painter.rotate(-90)
        painter.drawText(
            QRectF(-r.height() / 2, 0, r.height(), fm.height()),
            int(Qt.AlignmentFlag.AlignCenter),
            Y_TITLE,
        )
        painter.restore()

    def _paint_bands(self, painter: QPainter) -> None:
        r = self.plot_rect()
        top = self.y_top()
        xs = [self.x_of(x) for x in self.xs]

        def y(v: float) -> float:
            return r.bottom() - v / top * r.height()

        below = [0.0] * len(xs)
        for band, stack in zip(self.bands, self.stacks, strict=True):
            colour = self.colour(band)
            if len(xs) == 1:  # one processed frame: a stacked column
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour)
                painter.drawRect(QRectF(xs[0] - 4, y(stack[0]), 8, y(below[0]) - y(stack[0])))
            else:
                upper = [QPointF(x, y(v)) for x, v in zip(xs, stack, strict=True)]
                lower = [QPointF(x, y(v)) for x, v in zip(xs, below, strict=True)]
                fill = QColor(colour)
                fill.setAlpha(150)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(fill)
                painter.drawPolygon(QPolygonF([*upper, *reversed(lower)]))
                painter.setPen(QPen(colour.darker(115), 1.2))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawPolyline(QPolygonF(upper))
            below = stack

    def legend_rows(self) -> list[list[tuple[Band, str]]]:
        """The legend as drawn, in at most LEGEND_ROWS rows: "name (total)" when that fits,
        else the names, else the names cut to fit."""
        fm = QFontMetrics(self.font())
        width = self.width() - self._left() - 4

        def flow(entries: list[tuple[Band, str]]) -> list[list[tuple[Band, str]]]:
            rows: list[list[tuple[Band, str]]] = [[]]
            used = 0.0
            for band, text in entries:
                need = fm.horizontalAdvance(text) + LEGEND_GAP
                if rows[-1] and used + need > width:
                    rows.append([])
                    used = 0.0
                rows[-1].append((band, text))
                used += need
            return rows if rows[0] else []

        for text in (lambda b: f"{b.name} ({b.total:,})", lambda b: b.name):
            rows = flow([(b, text(b)) for b in self.bands])
            if len(rows) <= LEGEND_ROWS:
                return rows
        per_row = math.ceil(len(self.bands) / LEGEND_ROWS)
        each = max(24, int(width / per_row) - LEGEND_GAP)
        cut = [(b, fm.elidedText(b.name, Qt.TextElideMode.ElideRight, each)) for b in self.bands]
        return [cut[i : i + per_row] for i in range(0, len(cut), per_row)]

    def legend_entries(self) -> list[tuple[Band, str]]:
        return [entry for row in self.legend_rows() for entry in row]

    def _paint_legend(self, painter: QPainter) -> None:
        pal = self.palette()
        fm = QFontMetrics(self.font())
        for i, row in enumerate(self.legend_rows()):
            x = self._left()
            top = 6 + i * (fm.height() + 2)
            for band, label in row:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(self.colour(band))
                painter.drawRoundedRect(QRectF(x, top + (fm.height() - 10) / 2, 10, 10), 2, 2)
                painter.setPen(pal.color(QPalette.ColorRole.Text))
                painter.drawText(QPointF(x + 14, top + fm.ascent()), label)
                x += fm.horizontalAdvance(label) + LEGEND_GAP
