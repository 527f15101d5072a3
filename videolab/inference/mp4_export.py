"""An annotated MP4 of a job's result that plays anywhere: H.264, yuv420p, even size, faststart.

The original video is decoded again frame by frame (OpenCV, the decoder that numbered the
frames in the result) and each frame is drawn and encoded at once, so memory stays flat
whatever the length. Encoding is PyAV (FFmpeg): OpenH264 when the installed FFmpeg has it,
otherwise x264 (PyAV 18's wheels ship x264, not OpenH264: see docs/architecture.md).

Frames a stride skipped (``skipped``):
- ``hold``: every frame from the first processed one to the last, at the video's frame rate;
  a skipped frame shows the boxes of the processed frame before it. Same duration as the
  original span.
- ``drop``: only the processed frames, at the video's frame rate divided by the stride, so it
  still plays in real time. With stride 1 both are the same video.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from videolab.domain.errors import Cancelled, InvalidInput
from videolab.inference.annotate import class_colour, draw_detections
from videolab.inference.detections import Detection
from videolab.inference.video_io import open_video

SKIPPED_MODES = ("hold", "drop")
#: Encoders tried in order: OpenH264 (BSD) first, x264 (GPL) when it is the one available.
H264_ENCODERS = ("libopenh264", "libx264")
TRAIL_SECONDS = 1.5
_NTSC_BASES = (24, 30, 48, 60, 120)

ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class Mp4Report:
    path: Path
    frames: int
    fps: Fraction
    width: int
    height: int
    encoder: str


def h264_encoder() -> str:
    """The first H.264 encoder of ``H264_ENCODERS`` that this FFmpeg build has."""
    import av

    for name in H264_ENCODERS:
        if name in av.codecs_available:
            return name
    raise InvalidInput(
        "This installation's FFmpeg (PyAV) has no H.264 encoder (looked for "
        f"{', '.join(H264_ENCODERS)}), so it cannot write an MP4."
    )


def exact_rate(fps: float) -> Fraction:
    """A frame rate as a fraction: 23.976 -> 24000/1001, 25.0 -> 25."""
    for base in _NTSC_BASES:
        ntsc = Fraction(base * 1000, 1001)
        if abs(fps - float(ntsc)) < 1e-3:
            return ntsc
    return Fraction(fps).limit_denominator(1001)


def _xywhr(values: Any) -> tuple[float, float, float, float, float] | None:
    """An oriented box from the result JSON, so the MP4 draws its rotated outline too."""
    if not values or len(values) < 5:
        return None
    return (
        float(values[0]), float(values[1]), float(values[2]), float(values[3]), float(values[4])
    )


def detections_of(frame: Mapping[str, Any]) -> list[Detection]:
    return [
        Detection(
            int(d["class_id"]),
            str(d["class_name"]),
            float(d["confidence"]),
            (
                float(d["box_xyxy"][0]),
                float(d["box_xyxy"][1]),
                float(d["box_xyxy"][2]),
                float(d["box_xyxy"][3]),
            ),
            box_xywhr=_xywhr(d.get("box_xywhr")),
            track_id=d.get("track_id"),
        )
        for d in frame.get("detections", [])
    ]


class _Trails:
    """Recent box centres per track, drawn as a fading polyline."""

    def __init__(self, length: int) -> None:
        self.length = max(2, length)
        self.points: dict[int, deque[tuple[int, int]]] = {}
        self.colours: dict[int, tuple[int, int, int]] = {}

    def add(self, detections: list[Detection]) -> None:
        present = set()
        for det in detections:
            if det.track_id is None:
                continue
            x1, y1, x2, y2 = det.box_xyxy
            trail = self.points.setdefault(det.track_id, deque(maxlen=self.length))
            trail.append((round((x1 + x2) / 2), round((y1 + y2) / 2)))
            self.colours[det.track_id] = class_colour(det.class_id)
            present.add(det.track_id)
        for track_id in list(self.points):  # a track not seen this frame fades out
            if track_id not in present:
                self.points[track_id].popleft()
                if not self.points[track_id]:
                    del self.points[track_id]

    def draw(self, image: np.ndarray) -> None:
        for track_id, trail in self.points.items():
            if len(trail) >= 2:
                pts = np.array(trail, dtype=np.int32).reshape(-1, 1, 2)
                cv2.polylines(image, [pts], False, self.colours[track_id], 2, cv2.LINE_AA)


def write_annotated_mp4(
    video_path: Path,
    result: Mapping[str, Any],
    out: Path,
    *,
    skipped: str = "hold",
    trails: bool = False,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> Mp4Report:
    """Write ``out`` (an MP4) of the result's frames drawn on ``video_path``'s frames.

    Raises Cancelled when ``cancel`` is set (``out`` is then incomplete: write to a temporary
    path and move it in place on success), InvalidInput for a result with no frame.
    """
    import av

    if skipped not in SKIPPED_MODES:
        raise InvalidInput(
            f"Skipped frames must be {' or '.join(SKIPPED_MODES)}, got {skipped!r}."
        )
    frames = sorted(result.get("frames", []), key=lambda f: int(f["index"]))
    if not frames:
        raise InvalidInput("This result has no processed frame to put in a video.")
    by_index = {int(f["index"]): f for f in frames}
    first, last = int(frames[0]["index"]), int(frames[-1]["index"])
    stride = max(1, int(result.get("params", {}).get("stride", 1)))
    wanted = list(range(first, last + 1)) if skipped == "hold" else sorted(by_index)
    encoder = h264_encoder()
    wanted_set = set(wanted)
    # The reader the job used (PyAV): its frame numbers are the result's frame numbers.
    reader = open_video(Path(video_path))
    try:
        width, height = reader.width, reader.height
        video_rate = exact_rate(float(reader.fps or 0) or float(result["video"]["fps"]))
        rate = video_rate / stride if skipped == "drop" else video_rate
        even_w, even_h = width + width % 2, height + height % 2
        # A trail point is added per processed frame: TRAIL_SECONDS of them.
        trail = _Trails(round(TRAIL_SECONDS * float(video_rate) / stride)) if trails else None
        with av.open(
            str(out), mode="w", format="mp4", options={"movflags": "+faststart"}
        ) as container:
            stream = container.add_stream(encoder, rate=rate)
            assert isinstance(stream, av.VideoStream)
            stream.width, stream.height = even_w, even_h
            stream.pix_fmt = "yuv420p"
            if encoder == "libx264":
                stream.options = {"crf": "20", "preset": "veryfast"}
            else:  # OpenH264 is rate-controlled by bit rate: ~0.15 bit per pixel
                stream.bit_rate = int(even_w * even_h * float(rate) * 0.15)
            done = 0
            shown: list[Detection] = []
            # Frames not wanted are decoded (to reach the next) but not converted.
            for decoded in reader.frames(want=wanted_set.__contains__):
                if cancel is not None and cancel.is_set():
                    raise Cancelled("The MP4 export was cancelled.")
                index = decoded.index
                if index > last:
                    break
                if index not in wanted_set or decoded.image is None:
                    continue
                if index in by_index:
                    shown = detections_of(by_index[index])
                    if trail is not None:
                        trail.add(shown)
                drawn = draw_detections(decoded.image, shown)
                del decoded
                if trail is not None:
                    trail.draw(drawn)
                if (even_w, even_h) != (width, height):  # pad, so boxes keep their pixels
                    drawn = cv2.copyMakeBorder(
                        drawn, 0, even_h - height, 0, even_w - width, cv2.BORDER_REPLICATE
                    )
                frame = av.VideoFrame.from_ndarray(drawn, format="bgr24")
                frame.pts = done
                frame.time_base = 1 / rate
                container.mux(stream.encode(frame))
                done += 1
                if progress is not None:
                    progress(done, len(wanted))
            if done < len(wanted):
                raise InvalidInput(f"The video ends before frame {wanted[done]}.")
            container.mux(stream.encode(None))
    finally:
        reader.close()
    return Mp4Report(Path(out), len(wanted), rate, even_w, even_h, encoder)
