"""A short detection job shared by the export, model and carbon tests (one run per session)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from videolab.domain.params import DetectionParams
from videolab.inference.carbon import CarbonSettings
from videolab.inference.models import resolve_model
from videolab.inference.pipeline import DetectionOutcome, run_detection
from videolab.inference.synthetic import SyntheticVideo, generate_video


@dataclass(frozen=True)
class ShortJob:
    clip: SyntheticVideo
    outcome: DetectionOutcome
    zip_path: Path
    carbon_dir: Path


@pytest.fixture(scope="session")
def short_job(tmp_path_factory: pytest.TempPathFactory) -> ShortJob:
    """The demo model on frames 2, 4, ..., 10 of a 640x360 clip with 2-3 shapes."""
    root = tmp_path_factory.mktemp("short-job")
    clip = generate_video(root / "clip.mp4", seed=8, frames=12, min_shapes=2, max_shapes=3)
    carbon_dir = root / "carbon"
    outcome = run_detection(
        clip.path,
        DetectionParams(start=2, end=11, stride=2, device="cpu", backend="torch"),
        model=resolve_model("demo"),
        out_zip=root / "result.zip",
        cancel=threading.Event(),
        carbon=CarbonSettings(country="ITA", output_dir=carbon_dir),
    )
    return ShortJob(clip, outcome, root / "result.zip", carbon_dir)
