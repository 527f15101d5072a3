"""INT8 post-training quantization of an OpenVINO YOLO export, calibrated on the job's video.

On CPUs with VNNI (most x86 CPUs since 2019) an INT8 YOLO11n runs ~3.5x faster than FP32
(135 vs 38 frames/s on the 2-core machines we measured). NNCF needs sample inputs to choose
the INT8 ranges; the most faithful sample for a video is the video itself, so frames spread
over it calibrate the model, and the quantized model is cached per (weights, input shape,
video) — the same job on the same video always runs the same model.

Quantization may lose accuracy on a model or video we never saw, so it has to earn its place:
held-out frames of the same video run through the FP32 and the INT8 model, and the INT8 model
is used only if it finds the FP32 boxes (same class, IoU >= 0.8) on at least 97% of them and
adds few of its own. Otherwise the verdict ("rejected", with the figures) is cached and the
job runs FP32.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from videolab.inference.export_cache import REJECTED
from videolab.inference.yolo_postprocess import Letterbox, decode

log = logging.getLogger(__name__)

CALIBRATION_FRAMES = 48
CHECK_FRAMES = 16
MIN_CHECK_FRAMES = 4  # fewer held-out frames than this prove nothing: INT8 is refused
MIN_RECALL = 0.97
MAX_EXTRA = 0.05
MATCH_IOU = 0.8
INT8_FOLDER = "model_int8_openvino_model"

# Up to this many frames, samples are read in one sequential decode; a longer video is sampled
# by seeking, so calibration and its check see the whole video (a long recording's later
# scenes too) at a cost that grows with the number of samples, not with the video's length.
SEQUENTIAL_SPAN = 3000


@dataclass(frozen=True)
class QuantizationCheck:
    calibration_frames: int
    check_frames: int
    fp32_boxes: int
    matched: int
    extra: int
    accepted: bool
    seconds: float

    @property
    def recall(self) -> float:
        return self.matched / self.fp32_boxes if self.fp32_boxes else 1.0

    def describe(self) -> str:
        return (
            f"INT8 found {self.matched} of the FP32 model's {self.fp32_boxes} boxes on "
            f"{self.check_frames} check frames ({self.recall:.0%}) and added {self.extra}"
        )


def sample_frames(
    video: Path, frame_count: int, count: int = CALIBRATION_FRAMES + CHECK_FRAMES
) -> list[np.ndarray]:
    """``count`` frames spread evenly over the whole video (fewer if it has fewer)."""
    span = max(1, frame_count)
    wanted = sorted({int(i) for i in np.linspace(0, span - 1, num=min(count, span))})
    if span > SEQUENTIAL_SPAN:
        frames = _read_by_seeking(video, wanted)
        if len(frames) >= len(wanted) // 2:
            return frames
        # A file FFmpeg cannot seek in: the first frames, read in order, will do.
        log.info("seeking in %s failed; sampling its first %d frames", video, SEQUENTIAL_SPAN)
        wanted = sorted({int(i) for i in np.linspace(0, SEQUENTIAL_SPAN - 1, num=count)})
    return _read_in_order(video, wanted)


def _read_in_order(video: Path, wanted: list[int]) -> list[np.ndarray]:
    from videolab.inference.video_io import iter_frames

    chosen = set(wanted)
    frames: list[np.ndarray] = []
    for frame in iter_frames(video, want=chosen.__contains__):
        if frame.image is not None:
            frames.append(frame.image)
        if frame.index >= wanted[-1]:
            break
    return frames


def _read_by_seeking(video: Path, wanted: list[int]) -> list[np.ndarray]:
    from videolab.inference.video_io import read_frames

    # The reader seeks to the key frame before each index (by its timestamp) and decodes to it.
    return read_frames(video, wanted)


def _model_input(frame: np.ndarray, input_hw: tuple[int, int]) -> np.ndarray:
    """What the exported FP32 graph takes: letterboxed, RGB, NCHW, 0-1 floats."""
    image = Letterbox.plan(frame.shape[:2], input_hw).apply(frame)
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    return np.ascontiguousarray(rgb.transpose(2, 0, 1)[None], dtype=np.float32) / 255.0


def quantize_export(
    fp32_folder: Path,
    out: Path,
    frames: Sequence[np.ndarray],
    *,
    status: Callable[[str], None] | None = None,
) -> QuantizationCheck:
    """Quantize the OpenVINO export in ``fp32_folder`` into ``out``/INT8_FOLDER, or write
    ``out``/REJECTED when the INT8 model does not agree with the FP32 one."""
    from videolab.inference.ultralytics_env import decline_openvino_telemetry

    decline_openvino_telemetry()  # before NNCF creates its telemetry object at import
    import nncf
    import openvino as ov

    started = time.monotonic()
    xml = next(fp32_folder.glob("*.xml"))
    core = ov.Core()
    graph = core.read_model(str(xml))
    _, _, h, w = (int(d.get_length()) for d in graph.input(0).get_partial_shape())
    # Every fourth frame is held out to check the result; the others calibrate.
    check = list(frames[2::4])
    calibration = [f for i, f in enumerate(frames) if i % 4 != 2] or list(frames)
    if status is not None:
        status(f"Calibrating INT8 on {len(calibration)} frames of this video (once per video)")
    _quiet_nncf()
    # NNCF draws progress bars on stdout, where `videolab-cli --json` prints its one document,
    # and stderr is for VideoLab's own messages: they go to the log at DEBUG.
    from videolab.inference.library_logs import LogWriter

    with LogWriter(prefix="[nncf] ") as bars, contextlib.redirect_stdout(bars):
        quantized = nncf.quantize(
            graph,
            nncf.Dataset(calibration, lambda f: _model_input(f, (h, w))),
            subset_size=len(calibration),
            preset=nncf.QuantizationPreset.MIXED,
            # Element-wise Multiply/Subtract/Sigmoid everywhere (SiLU activations, the detect
            # head's box decoding and scores) stay in floating point; the convolutions, where
            # the time goes, become INT8. Measured on the demo clip: 300 of 301 FP32 boxes
            # found at IoU >= 0.8 (mean 0.95), 135 frames/s.
            ignored_scope=nncf.IgnoredScope(types=["Multiply", "Subtract", "Sigmoid"]),
        )
    verdict = _compare(core, graph, quantized, check, (h, w), started, len(calibration))
    out.mkdir(parents=True, exist_ok=True)
    if not verdict.accepted:
        (out / REJECTED).write_text(json.dumps(asdict(verdict), indent=1), "utf-8")
        # Not a problem to report: the job runs the FP32 model, as it would have anyway.
        log.info("INT8 rejected for %s: %s", fp32_folder, verdict.describe())
        return verdict
    target = out / INT8_FOLDER
    target.mkdir()
    ov.save_model(quantized, str(target / "model.xml"), compress_to_fp16=False)
    for extra in fp32_folder.glob("*.yaml"):
        shutil.copyfile(extra, target / extra.name)
    (out / "quantization.json").write_text(json.dumps(asdict(verdict), indent=1), "utf-8")
    log.info("INT8 accepted for %s: %s", fp32_folder, verdict.describe())
    return verdict


def _quiet_nncf() -> None:
    """NNCF logs INFO lines to its own stdout handler; send them through our logging instead."""
    from videolab.inference.library_logs import reroute

    reroute(("nncf",))
    logging.getLogger("nncf").setLevel(logging.WARNING)


def _compare(
    core: Any,
    fp32: Any,
    int8: Any,
    frames: Sequence[np.ndarray],
    input_hw: tuple[int, int],
    started: float,
    calibrated: int,
) -> QuantizationCheck:
    reference = core.compile_model(fp32, "CPU")
    candidate = core.compile_model(int8, "CPU")
    total = matched = extra = 0
    for frame in frames:
        x = _model_input(frame, input_hw)
        a_box, a_cls, _ = decode(reference(x)[0][0], conf=0.25, iou=0.7, max_det=300)
        b_box, b_cls, _ = decode(candidate(x)[0][0], conf=0.25, iou=0.7, max_det=300)
        used: set[int] = set()
        for box, cls in zip(a_box, a_cls, strict=True):
            best, best_j = 0.0, -1
            for j, (other, other_cls) in enumerate(zip(b_box, b_cls, strict=True)):
                if j in used or other_cls != cls:
                    continue
                overlap = _iou(box, other)
                if overlap > best:
                    best, best_j = overlap, j
            if best >= MATCH_IOU:
                matched += 1
                used.add(best_j)
        total += len(a_box)
        extra += len(b_box) - len(used)
    accepted = len(frames) >= MIN_CHECK_FRAMES and (
        (total == 0 and extra == 0)
        or (total > 0 and matched / total >= MIN_RECALL and extra <= MAX_EXTRA * total + 1)
    )
    return QuantizationCheck(
        calibrated, len(frames), total, matched, extra, accepted, time.monotonic() - started
    )


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0
