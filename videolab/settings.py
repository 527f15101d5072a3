"""Where VideoLab keeps its files, and the database URL it uses.

Every path comes from platformdirs (the OS conventions); ``VIDEOLAB_HOME`` moves them all under
one folder, which is what tests and portable installs want.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from videolab.file_modes import private_dir

APP_NAME = "VideoLab"


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    cache_dir: Path
    config_dir: Path

    @property
    def default_db_path(self) -> Path:
        return self.data_dir / "videolab.db"

    @property
    def models_dir(self) -> Path:
        """The user's own model folder: weights placed here are trusted like the shipped ones."""
        return self.data_dir / "models"

    @property
    def export_cache_dir(self) -> Path:
        return self.cache_dir / "exports"

    @property
    def work_dir(self) -> Path:
        """Scratch space for a job's temporary files (decoded video copy, ZIP being written)."""
        return self.cache_dir / "work"

    @property
    def ultralytics_config_dir(self) -> Path:
        return self.config_dir / "ultralytics"

    def ensure(self) -> AppPaths:
        """Create the folders, private to this OS account (0700), tightening older installs':
        they hold the database, decoded video copies, job scratch files and the export cache."""
        for folder in (self.data_dir, self.cache_dir, self.config_dir, self.models_dir):
            private_dir(folder)
        return self


def app_paths() -> AppPaths:
    home = os.environ.get("VIDEOLAB_HOME")
    if home:
        root = Path(home).expanduser()
        return AppPaths(root / "data", root / "cache", root / "config")
    return AppPaths(
        Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
    )


def database_url(db: str | os.PathLike[str] | None = None, paths: AppPaths | None = None) -> str:
    """Turn ``--db`` (a path or any SQLAlchemy URL), ``VIDEOLAB_DB`` or the default into a URL."""
    value = str(db) if db is not None else os.environ.get("VIDEOLAB_DB")
    if not value:
        paths = (paths or app_paths()).ensure()
        return f"sqlite:///{paths.default_db_path}"
    if "://" in value:
        return value
    path = Path(value).expanduser().resolve()
    if not path.parent.exists():
        private_dir(path.parent)  # a folder of the user's own choosing is left as it is
    return f"sqlite:///{path}"


#: Grid carbon intensity is looked up for this ISO 3166 alpha-3 country unless told otherwise.
DEFAULT_CARBON_COUNTRY = "ITA"


def carbon_country() -> str:
    value = os.environ.get("VIDEOLAB_CARBON_COUNTRY", DEFAULT_CARBON_COUNTRY).strip().upper()
    return value if len(value) == 3 and value.isalpha() else DEFAULT_CARBON_COUNTRY


#: Annotated frames are stored with at most this many pixels on their long side (boxes in the
#: result JSON stay in the video's own pixels). 0 keeps them at full size.
DEFAULT_ANNOTATED_MAX_SIDE = 1280


def annotated_max_side() -> int | None:
    """``VIDEOLAB_ANNOTATED_MAX_SIDE`` (pixels; 0 = full size), else 1280."""
    raw = os.environ.get("VIDEOLAB_ANNOTATED_MAX_SIDE", "").strip()
    try:
        value = int(raw) if raw else DEFAULT_ANNOTATED_MAX_SIDE
    except ValueError:
        value = DEFAULT_ANNOTATED_MAX_SIDE
    if value == 0:
        return None
    return max(64, value) if value > 0 else DEFAULT_ANNOTATED_MAX_SIDE
