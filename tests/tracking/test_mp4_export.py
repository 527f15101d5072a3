"""The annotated MP4: H.264 in yuv420p, faststart, even size, the promised frame count and
rate, and frame N shows a box where the JSON puts it (on processed and held frames)."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest

from tests.tracking.conftest import TrackFn
from videolab.inference.mp4_export import exact_rate, write_annotated_mp4
from videolab.inference.synthetic import generate_video
from videolab.inference.synthetic_tracks import TrackedClip
from videolab.inference.tracking import summarize_tracks


def _read(path: Path, positions: set[int]) -> dict[int, np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    got, pos = {}, 0
    try:
        while pos <= max(positions):
            ok, image = cap.read()
            assert ok, f"{path} ends at frame {pos}"
            if pos in positions:
                got[pos] = image
            pos += 1
    finally:
        cap.release()
    return got


def _top_level_atoms(path: Path) -> list[str]:
    atoms, data = [], path.read_bytes()
    offset = 0
    while offset + 8 <= len(data):
        size, name = struct.unpack(">I4s", data[offset:offset + 8])
        atoms.append(name.decode("ascii"))
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8:offset + 16])[0]
        offset += size or len(data)
    return atoms


def _lone_box(frames: list[dict[str, Any]], width: int, height: int) -> tuple[int, list[float]]:
    """A processed frame index and a tracked box in it with 12 px of nothing around it."""
    for frame in frames[len(frames) // 3:]:
        boxes = [d["box_xyxy"] for d in frame["detections"]]
        for det in frame["detections"]:
            x1, y1, x2, y2 = det["box_xyxy"]
            if det["track_id"] is None or x1 < 14 or y1 < 30 or x2 > width - 14 or \
                    y2 > height - 14:
                continue
            if all(b is det["box_xyxy"] or b[2] < x1 - 14 or b[0] > x2 + 14 or b[3] < y1 - 30
                   or b[1] > y2 + 14 for b in boxes):
                return int(frame["index"]), det["box_xyxy"]
    raise AssertionError("no lone box in the scene")


def _edge_difference(drawn: np.ndarray, original: np.ndarray, x: int, y1: float,
                     y2: float) -> float:
    rows = slice(round(y1) + 4, round(y2) - 4)
    return float(np.abs(drawn[rows, x].astype(int) - original[rows, x].astype(int)).mean())


def test_frame_n_of_the_mp4_shows_the_box_of_frame_n(scene: TrackedClip, track_scene: TrackFn,
                                                     scene_result: dict[str, Any],
                                                     tmp_path: Path) -> None:
    frames = track_scene("bytetrack", 3)
    result = {**scene_result, "frames": frames, "tracks": summarize_tracks(frames),
              "params": {**scene_result["params"], "stride": 3}}
    out = tmp_path / "hold.mp4"
    report = write_annotated_mp4(scene.path, result, out, skipped="hold")
    first, last = frames[0]["index"], frames[-1]["index"]
    assert report.frames == last - first + 1

    cap = cv2.VideoCapture(str(out))
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(scene.fps)
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == last - first + 1
    cap.release()
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert (stream.width, stream.height) == (scene.width, scene.height)
        assert sum(1 for _ in container.decode(stream)) == last - first + 1
    atoms = _top_level_atoms(out)
    assert atoms.index("moov") < atoms.index("mdat")  # faststart: playable while downloading

    n, (x1, y1, _x2, y2) = _lone_box(frames, scene.width, scene.height)
    held = n + 1  # skipped by the stride: shows frame n's boxes
    drawn = _read(out, {n - first, held - first})
    original = _read(scene.path, {n, held})
    for mp4_pos, video_pos in ((n - first, n), (held - first, held)):
        edge = max(_edge_difference(drawn[mp4_pos], original[video_pos], x, y1, y2)
                   for x in (round(x1) - 1, round(x1), round(x1) + 1))
        control = _edge_difference(drawn[mp4_pos], original[video_pos], round(x1) - 10, y1, y2)
        assert edge > 40 > 4 * control, (n, edge, control)


def _odd_sized_copy(source: Path, out: Path, size: tuple[int, int], fps: float) -> Path:
    """``source`` cropped to ``size`` in FFV1/Matroska (OpenCV's writer forces even sizes)."""
    cap = cv2.VideoCapture(str(source))
    with av.open(str(out), "w") as container:
        stream = container.add_stream("ffv1", rate=exact_rate(fps))
        stream.width, stream.height = size
        stream.pix_fmt = "bgr0"
        while True:
            ok, image = cap.read()
            if not ok:
                break
            crop = np.ascontiguousarray(image[: size[1], : size[0]])
            container.mux(stream.encode(av.VideoFrame.from_ndarray(crop, format="bgr24")))
        container.mux(stream.encode(None))
    cap.release()
    return out


def test_an_odd_sized_video_is_padded_to_even_and_drop_keeps_real_time(tmp_path: Path) -> None:
    clip = generate_video(tmp_path / "even.mp4", seed=2, frames=9, size=(330, 190))
    odd = _odd_sized_copy(clip.path, tmp_path / "odd.mkv", (321, 181), clip.fps)
    frames = [{"index": i, "time_s": i / clip.fps,
               "detections": [{"class_id": 0, "class_name": "square", "confidence": 0.9,
                               "box_xyxy": [10.0, 20.0, 60.0, 70.0], "track_id": 1}]}
              for i in range(0, 9, 2)]
    result = {"frames": frames, "params": {"stride": 2}, "video": {"fps": clip.fps}}
    report = write_annotated_mp4(odd, result, tmp_path / "odd_out.mp4", skipped="drop")
    assert (report.width, report.height, report.frames) == (322, 182, 5)
    assert report.fps == exact_rate(clip.fps) / 2
    with av.open(str(tmp_path / "odd_out.mp4")) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (322, 182)
        assert float(stream.average_rate or 0) == pytest.approx(clip.fps / 2)


def test_ntsc_rates_are_exact() -> None:
    assert exact_rate(23.976) == exact_rate(23.97602397) == exact_rate(24000 / 1001)
    assert exact_rate(24000 / 1001).denominator == 1001
    assert exact_rate(25.0) == 25


def test_full_size_frames_and_the_mp4_read_track_ids_and_oriented_boxes() -> None:
    """zip-full (render) and the MP4 (detections_of) read a stored detection back whole: the
    track id labels the box ('#7 ...'), an oriented box is drawn as its outline."""
    from videolab.inference.mp4_export import detections_of
    from videolab.inference.render import _detections

    stored = {"class_id": 0, "class_name": "disc", "confidence": 0.9,
              "box_xyxy": [1.0, 2.0, 30.0, 40.0], "box_xywhr": [15.5, 21.0, 20.0, 30.0, 0.3],
              "track_id": 7}
    for read in (_detections, detections_of):
        (det,) = read({"detections": [stored]})
        assert det.track_id == 7
        assert det.box_xywhr == (15.5, 21.0, 20.0, 30.0, 0.3)
