"""Fixtures for the bundle tests.

``fake_bundle`` makes this process look like a desktop bundle's (``sys.frozen``, and
``sys.executable`` a ``videolab`` executable in a folder) whose ``videolab-cli`` is a small
script that runs ``python -m videolab.bundle_entry`` from this source tree and logs its
arguments: the same dispatch as the real bundle's executable, which runs the same
``bundle_entry``. The real bundle is tested in ``test_built_bundle.py``.
"""

from __future__ import annotations

import os
import shlex
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.jobs.conftest import job_clip, world  # noqa: F401  (fixtures used here too)

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class FakeBundle:
    folder: Path
    calls: Path  # one line per start of videolab-cli: its arguments

    def started(self) -> list[list[str]]:
        if not self.calls.exists():
            return []
        return [line.split(" ") for line in self.calls.read_text().splitlines()]


@pytest.fixture
def fake_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeBundle:
    folder = tmp_path / "VideoLab"
    folder.mkdir()
    (folder / "videolab").write_text("the GUI executable; never started as a child\n")
    calls = tmp_path / "calls.log"
    host = folder / "videolab-cli"
    host.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> {shlex.quote(str(calls))}\n'
        f"cd {shlex.quote(str(REPO))}\n"
        f'FAKE_BUNDLE_HOST="$0" exec {shlex.quote(sys.executable)} -m videolab.bundle_entry "$@"\n'
    )
    host.chmod(host.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(folder / "videolab"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    return FakeBundle(folder, calls)
