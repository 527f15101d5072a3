"""The scripted clip with identities, its detections (one run per session), and a helper
that tracks those detections the way a job does, for any tracker and stride."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.tracking.mot_eval import track_offline
from videolab.domain.params import DetectionParams
from videolab.inference.models import resolve_model
from videolab.inference.pipeline import run_detection
from videolab.inference.synthetic_tracks import TrackedClip, generate_tracked_video

TrackFn = Callable[[str, int], list[dict[str, Any]]]


@pytest.fixture(scope="session")
def scene(tmp_path_factory: pytest.TempPathFactory) -> TrackedClip:
    return generate_tracked_video(tmp_path_factory.mktemp("scene") / "scene.mp4")


@pytest.fixture(scope="session")
def export_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("export-cache")


@pytest.fixture(scope="session")
def scene_result(scene: TrackedClip, export_cache: Path,
                 tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo model (OpenVINO, CPU) on every frame of the scene, untracked."""
    outcome = run_detection(scene.path, DetectionParams(device="cpu", backend="openvino"),
                            model=resolve_model("demo"), export_cache_dir=export_cache,
                            out_zip=tmp_path_factory.mktemp("scene-job") / "r.zip")
    return outcome.result_json


@pytest.fixture(scope="session")
def track_scene(scene: TrackedClip, scene_result: dict[str, Any]) -> TrackFn:
    """``track_scene(kind, stride)``: the scene's frames ``0, stride, 2*stride, ...`` tracked
    by ``FrameTracker`` fed what the pipeline feeds it (decoded frames included)."""
    cache: dict[tuple[str, int], list[dict[str, Any]]] = {}

    def track(kind: str, stride: int) -> list[dict[str, Any]]:
        if (kind, stride) not in cache:
            cache[(kind, stride)] = track_offline(scene.path, scene.fps, scene_result["frames"],
                                                  kind, stride)
        return cache[(kind, stride)]

    return track
