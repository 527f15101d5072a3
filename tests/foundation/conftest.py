"""Helpers for the foundation tests: row counts, ledger audits, and the CLI in and out of process.

Test modules get them through fixtures (``counts``, ``audit``, ``run_cli``, ``cli_process``), so
nothing imports a conftest by name.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import pytest
from sqlalchemy import func, select

from videolab import cli
from videolab.db.models import CreditEntry, Dataset, User, Video, VideoChunk
from videolab.domain.dto import UserDTO
from videolab.services.app import VideoLab
from videolab.services.seed import DEMO_PASSWORD

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Counts:
    users: int
    datasets: int
    videos: int
    chunks: int
    ledger: int


def table_counts(app: VideoLab) -> Counts:
    """Rows in the tables an upload or a refusal could touch."""
    with app.db.read() as s:

        def n(model: Any) -> int:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)

        return Counts(n(User), n(Dataset), n(Video), n(VideoChunk), n(CreditEntry))


def audit(app: VideoLab, user: UserDTO) -> tuple[int, int]:
    """(cached balance, ledger sum) of one account, read straight from the database."""
    with app.db.read() as s:
        balance = s.scalar(select(User.tokens).where(User.id == user.id))
        total = s.scalar(
            select(func.coalesce(func.sum(CreditEntry.delta), 0)).where(
                CreditEntry.user_id == user.id
            )
        )
    assert balance is not None
    return int(balance), int(total or 0)


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        import json

        return json.loads(self.out)

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


CliRunner = Callable[..., CliResult]


@pytest.fixture
def run_cli(
    app_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> CliRunner:
    """Run ``videolab-cli`` in this process against the test's database.

    ``run_cli("videos", "list", "DS", user="alice@example.com")``; ``--json`` is added unless
    ``json=False``; the password defaults to the demo one.
    """

    def run(
        *args: str,
        user: str | None = None,
        password: str | None = DEMO_PASSWORD,
        json: bool = True,
        db: Path | str | None = None,
    ) -> CliResult:
        argv = ["--db", str(db or app_db)]
        if json:
            argv.append("--json")
        if user is not None:
            argv += ["--user", user]
        if password is None:
            monkeypatch.delenv("VIDEOLAB_PASSWORD", raising=False)
        else:
            monkeypatch.setenv("VIDEOLAB_PASSWORD", password)
        capsys.readouterr()
        # main() quiets OpenCV/FFmpeg logging for the process; keep that out of other tests.
        monkeypatch.setenv("OPENCV_FFMPEG_LOGLEVEL", os.environ.get("OPENCV_FFMPEG_LOGLEVEL", "-8"))
        monkeypatch.setenv("OPENCV_LOG_LEVEL", os.environ.get("OPENCV_LOG_LEVEL", "SILENT"))
        level = cv2.utils.logging.getLogLevel()
        try:
            code = cli.main([*argv, *args])
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
        finally:
            cv2.utils.logging.setLogLevel(level)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def cli_subprocess(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> CliResult:
    """Run ``python -m videolab.cli`` as its own process, as a user or a script would."""
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), full_env.get("PYTHONPATH", "")) if p
    )
    proc = subprocess.run(
        [sys.executable, "-m", "videolab.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=REPO_ROOT,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def counts() -> Callable[[VideoLab], Counts]:
    return table_counts


@pytest.fixture
def audit_balance() -> Callable[[VideoLab, UserDTO], tuple[int, int]]:
    return audit


@pytest.fixture
def cli_process(tmp_home: Any) -> Callable[..., CliResult]:
    """``cli_process("--db", path, "init")``: the CLI as its own process, app folders in tmp."""
    return cli_subprocess
