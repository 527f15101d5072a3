"""Where the files VideoLab ships that are not Python live: the app icon, the ``.desktop`` entry,
the demo model and its OpenVINO export.

They are kept once, in the repository's top-level ``resources/``. A wheel (``pip install .``)
maps that folder into the package as ``videolab/resources/`` (``setup.py``), and PyInstaller's
``build.spec`` puts it at the same place inside a bundle; from a source checkout or an editable
install the package sits beside the top-level folder instead. The first of the two places that
holds the icon's source is the one.
"""

from __future__ import annotations

import functools
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_MARKER = Path("icons") / "videolab.svg"


@functools.cache
def resources_dir() -> Path:
    """The folder of shipped files (in the package when installed or bundled, else beside it)."""
    for candidate in (PACKAGE_DIR / "resources", PACKAGE_DIR.parent / "resources"):
        if (candidate / _MARKER).is_file():
            return candidate
    # Neither holds them: a broken installation. Callers name the missing file in their error.
    return PACKAGE_DIR / "resources"


def resource(*parts: str) -> Path:
    """A path inside the shipped files, e.g. ``resource("models", "demo.pt")``."""
    return resources_dir().joinpath(*parts)
