"""The composition root: one database, one set of services, built once per process."""

from __future__ import annotations

import logging
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from videolab.db.engine import Database, sqlite_library_version
from videolab.db.migrate import is_up_to_date, upgrade_to_head
from videolab.domain.dto import UserDTO
from videolab.services.auth import AuthService
from videolab.services.backup import BackupReport, backup_as
from videolab.services.base import ServiceContext
from videolab.services.credits import CreditService
from videolab.services.datasets import DatasetService
from videolab.services.jobs import JobService
from videolab.services.tags import TagService
from videolab.services.tracks import TrackService
from videolab.services.users import UserService
from videolab.services.videos import VideoService
from videolab.settings import AppPaths, app_paths, database_url

if TYPE_CHECKING:  # the demo seed generates a video (OpenCV): loaded only by --demo
    from videolab.services.seed import SeedReport

log = logging.getLogger(__name__)

#: SQLite releases before this one can corrupt a WAL database written by several connections.
WAL_RESET_FIXED = (3, 51, 3)


class VideoLab:
    """Every service over one database. ``VideoLab.open()`` is what front ends call."""

    def __init__(self, db: Database, paths: AppPaths) -> None:
        self.db = db
        self.paths = paths
        self.ctx = ServiceContext(db, paths)
        self.auth = AuthService(self.ctx)
        self.users = UserService(self.ctx)
        self.tags = TagService(self.ctx)
        self.datasets = DatasetService(self.ctx)
        self.videos = VideoService(self.ctx)
        self.credits = CreditService(self.ctx)
        self.jobs = JobService(self.ctx, self.videos)
        self.tracks = TrackService(self.ctx, self.jobs)

    @classmethod
    def open(
        cls,
        db: str | None = None,
        *,
        paths: AppPaths | None = None,
        migrate: bool = True,
        recover: bool = True,
    ) -> VideoLab:
        """Open (creating or upgrading) the database; close jobs a dead process left open."""
        paths = (paths or app_paths()).ensure()
        database = Database(database_url(db, paths))
        if database.is_sqlite:
            _warn_old_sqlite(database)
        if migrate:
            upgrade_to_head(database)
        app = cls(database, paths)
        if recover and migrate:
            app.jobs.recover_interrupted()
        return app

    @property
    def database_label(self) -> str:
        """The database URL with any password masked: what messages and logs may show."""
        return make_url(self.db.url).render_as_string(hide_password=True)

    def schema_is_current(self) -> bool:
        return is_up_to_date(self.db)

    def load_demo(self) -> SeedReport:
        from videolab.services.seed import load_demo

        return load_demo(self.ctx)

    def backup(self, actor: UserDTO, path: Path) -> BackupReport:
        """A consistent copy of the database; administrators only."""
        return backup_as(self.ctx, actor, Path(path))

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> VideoLab:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _warn_old_sqlite(db: Database) -> None:
    version = sqlite_library_version(db.engine)
    parts = tuple(int(p) for p in version.split(".")[:3])
    if parts < WAL_RESET_FIXED:
        log.warning(
            "SQLite %s predates the WAL-reset fix (3.51.3); install pysqlite3 so concurrent "
            "writers cannot corrupt the database.",
            version,
        )
