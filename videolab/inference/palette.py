"""One colour per detection class, the same on every picture VideoLab draws.

The live preview of a running job and the stored ZIP frames are drawn by
``videolab.inference.annotate`` (OpenCV, BGR); the results viewer, its chart and its trails are
painted by Qt (``videolab.gui.widgets.look.class_colour``). Both read this table, so class 2
is the same colour on all of them. Plain tuples: no Qt, no OpenCV, nothing to import.
"""

from __future__ import annotations

RGB = tuple[int, int, int]

#: Okabe-Ito's colour-blind-safe colours without its black (boxes must show on dark video),
#: in their usual order, then four of Paul Tol's "muted" colours that none of them resembles.
#: The first seven are the ones annotated frames always used, so stored ZIPs keep matching.
CLASS_RGB: tuple[RGB, ...] = (
    (230, 159, 0),  # orange
    (86, 180, 233),  # sky blue
    (0, 158, 115),  # bluish green
    (240, 228, 66),  # yellow
    (0, 114, 178),  # blue
    (213, 94, 0),  # vermillion
    (204, 121, 167),  # reddish purple
    (68, 170, 153),  # teal
    (204, 102, 119),  # rose
    (153, 153, 51),  # olive
    (136, 34, 85),  # wine
)

#: Everything outside the classes a chart shows by name ("other"): a neutral grey that no
#: class uses.
OTHER_RGB: RGB = (140, 140, 140)

BLACK: RGB = (0, 0, 0)
WHITE: RGB = (255, 255, 255)


def class_rgb(class_id: int) -> RGB:
    """The colour of ``class_id`` (repeats after ``len(CLASS_RGB)`` classes)."""
    return CLASS_RGB[int(class_id) % len(CLASS_RGB)]


def class_bgr(class_id: int) -> RGB:
    """The same colour in OpenCV's channel order."""
    r, g, b = class_rgb(class_id)
    return (b, g, r)


def _luminance(rgb: RGB) -> float:
    """WCAG relative luminance."""

    def linear(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def text_rgb(background: RGB) -> RGB:
    """Black or white, whichever reads better on ``background`` (a box's label)."""
    return BLACK if contrast(background, BLACK) >= contrast(background, WHITE) else WHITE


def label_text_rgb(class_id: int) -> RGB:
    """The text colour of a label drawn on ``class_id``'s colour."""
    return text_rgb(class_rgb(class_id))
