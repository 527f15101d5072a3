"""A detection job's work: decode -> detect -> annotate/encode/ZIP, as overlapping stages.

Three threads joined by bounded queues, so the slowest stage (inference, normally) sets the
pace while decoding the next frames and encoding the last ones happen beside it. The queues
are bounded in bytes as well as frames (``byte_queue``), so memory is bounded whatever the
video's length and frame size: 16 frames of 640x360 are 11 MB, 16 of 8K would be 1.6 GB.
Annotated frames are drawn at a bounded size (``annotate.fit_within``, the setting
``annotated_max_side``) and stream into the ZIP as they are made; boxes in the JSON stay in the
video's pixels, and ``time_s`` is each frame's presentation timestamp (variable-frame-rate
video is common from phones). A cancel stops decoding and inference at once; frames already
inferred are still written, so the partial result is consistent: every frame in the JSON has
its JPEG.
"""

from __future__ import annotations

import contextlib
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from videolab.domain.params import DetectionParams
from videolab.inference.annotate import draw_detections, encode_jpeg, fit_within
from videolab.inference.backends import Calibration
from videolab.inference.byte_queue import ByteQueue
from videolab.inference.carbon import CarbonMeter, CarbonReport, CarbonSettings
from videolab.inference.detections import Detection
from videolab.inference.devices import stage_threads
from videolab.inference.models import ResolvedModel
from videolab.inference.probe import probe_video
from videolab.inference.tracking import FrameTracker, summarize_tracks, unique_per_class
from videolab.inference.video_io import open_video

RESULT_SCHEMA = "videolab.result/1"
PROGRESS_INTERVAL_S = 0.1
QUEUE_FRAMES = 16
# Per queue. With the frames the model holds (one per OpenVINO request) and the one each
# stage works on, an 8K job (100 MB a frame) keeps about six frames in memory
# (benchmarks/job_memory.py); 640x360 and 1080p are still bounded by QUEUE_FRAMES.
QUEUE_BYTES = 64 * 1024 * 1024
_POLL_S = 0.05
_END = object()


@dataclass(frozen=True)
class DetectionProgress:
    done: int
    total: int
    fps: float
    frame_index: int | None
    preview_jpeg: bytes | None = None
    message: str | None = None  # e.g. "Preparing the model for openvino" before frame 0


@dataclass(frozen=True)
class FrameResult:
    index: int
    time_s: float
    detections: tuple[Detection, ...]
    tracked: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "time_s": round(self.time_s, 4),
            "detections": [d.to_json(tracked=self.tracked) for d in self.detections],
        }


@dataclass(frozen=True)
class DetectionOutcome:
    result_json: dict[str, Any]
    processed_frames: int
    cancelled: bool
    backend: str
    device: str
    seconds: float
    carbon: CarbonReport | None


class _Stop(Exception):
    """Raised inside a stage when another stage failed or the job was cancelled."""


def _put(q: ByteQueue, item: Any, size: int, halt: threading.Event) -> None:
    while True:
        if halt.is_set():
            raise _Stop
        if q.put(item, size, timeout=_POLL_S):
            return


def _get(q: ByteQueue, halt: threading.Event | None) -> Any:
    while True:
        if halt is not None and halt.is_set():
            raise _Stop
        ok, item = q.get(timeout=_POLL_S)
        if ok:
            return item


def batch_size_for(device: str) -> int:
    """GPUs want several frames per call; on a CPU one frame at a time keeps latency low and
    costs nothing in throughput (the work per frame is the same)."""
    return 16 if device.startswith("cuda") else 1


def run_detection(
    video_path: Path,
    params: DetectionParams,
    *,
    model: ResolvedModel,
    out_zip: Path,
    progress: Callable[[DetectionProgress], None] | None = None,
    cancel: threading.Event | None = None,
    on_frame: Callable[[FrameResult], None] | None = None,
    carbon: CarbonSettings | None = None,
    frame_count: int | None = None,
    detector: Any = None,
    export_cache_dir: Path | None = None,
    video_sha256: str | None = None,
    annotated_max_side: int | Literal["setting"] | None = "setting",
    queue_bytes: int = QUEUE_BYTES,
) -> DetectionOutcome:
    """Detect objects in the frames ``params`` selects; stream annotated JPEGs to ``out_zip``.

    Annotated frames are stored with at most ``annotated_max_side`` pixels on their long side
    (None: full size; by default the setting, 1280). Each stage queue holds at most
    ``queue_bytes`` of frames (and at least one frame).
    Returns the outcome (cancelled=True with the partial result if ``cancel`` was set).
    Exceptions from any stage, the callbacks included, propagate after every thread stopped.
    """
    from videolab.inference.detector import Detector, PredictOptions
    from videolab.settings import annotated_max_side as setting_max_side

    max_side = setting_max_side() if annotated_max_side == "setting" else annotated_max_side

    params.validate()
    cancel = cancel or threading.Event()
    video_path = Path(video_path)
    if frame_count is None:
        frame_count = probe_video(video_path, cancel=cancel).frame_count
    indices = params.frame_indices(frame_count)
    reader = open_video(video_path)
    width, height = reader.width, reader.height
    # CodeCarbon's start-up (~1.4 s of hardware probing) and the model's load (torch import,
    # OpenVINO compile: ~2-3 s) are independent: start the meter beside the load.
    meter = CarbonMeter(carbon)
    meter_started: list[BaseException | None] = []

    def start_meter() -> None:
        try:
            meter.__enter__()
            meter_started.append(None)
        except BaseException as exc:
            meter_started.append(exc)

    meter_thread = threading.Thread(target=start_meter, name="videolab-carbon", daemon=True)
    meter_thread.start()
    try:
        fps = reader.fps
        if detector is None:

            def status(message: str) -> None:
                if progress is not None:
                    progress(DetectionProgress(0, len(indices), 0.0, None, None, message))

            detector = Detector.for_job(
                model,
                device=params.device,
                backend=params.backend,
                imgsz=params.imgsz,
                frame_size=(width, height),
                cache_dir=export_cache_dir,
                status=status,
                calibration=Calibration(video_path, frame_count, len(indices), video_sha256),
                cancel=cancel,
            )
        detector.check_classes(params.classes)
        tracker = FrameTracker(params.track, fps) if params.track is not None else None
    except BaseException:
        reader.close()
        meter_thread.join()
        if meter_started == [None]:
            meter.__exit__(None, None, None)
        raise
    meter_thread.join()
    if meter_started != [None]:
        reader.close()
        failure = meter_started[0] if meter_started else None
        raise failure if failure is not None else RuntimeError("carbon meter did not start")
    options = PredictOptions(
        conf=params.conf,
        iou=params.iou,
        imgsz=params.imgsz,
        classes=params.classes,
        max_det=params.max_det,
    )
    batch_size = getattr(detector, "batch_size", None) or batch_size_for(detector.device)

    halt = threading.Event()  # any stage failed, or cancel: stop decoding and inference
    errors: list[BaseException] = []
    decoded = ByteQueue(queue_bytes, QUEUE_FRAMES)
    inferred = ByteQueue(queue_bytes, QUEUE_FRAMES)
    frames_json: list[dict[str, Any]] = []
    per_class: Counter[str] = Counter()
    state = {"done": 0}
    started = time.monotonic()

    def decode() -> None:
        try:
            last = indices[-1] if indices else -1
            # Frames between the wanted ones are decoded (they must be) but not converted.
            # References to a frame are dropped as soon as it is queued: at 8K each one held
            # while the next decodes is another 100 MB.
            for frame in reader.frames(want=indices.__contains__):
                if halt.is_set():
                    return
                index, time_s, image = frame.index, frame.time_s, frame.image
                del frame
                if image is not None:
                    _put(decoded, ((index, time_s), image), image.nbytes, halt)
                    del image
                if index >= last:
                    return
        except _Stop:
            pass
        except BaseException as exc:
            errors.append(exc)
            halt.set()
        finally:
            reader.close()
            decoded.put_nowait_unbounded(_END)

    def write() -> None:
        last_report = 0.0
        try:
            with zipfile.ZipFile(out_zip, "w", compression=zipfile.ZIP_STORED) as archive:
                while True:
                    item = _get(inferred, None)
                    if item is _END:
                        break
                    if errors:
                        continue  # drain so the producer never blocks, write nothing more
                    (index, time_s), frame, detections = item
                    if tracker is not None:  # in video order: the writer takes frames in order
                        detections = tracker.update(index, frame, detections)
                    small, scale = fit_within(frame, max_side)
                    del frame, item  # the full-size picture is not needed any more
                    jpeg = encode_jpeg(draw_detections(small, detections, box_scale=scale))
                    archive.writestr(f"frame_{index:06d}.jpg", jpeg)
                    result = FrameResult(index, time_s, tuple(detections), tracker is not None)
                    frames_json.append(result.to_json())
                    per_class.update(d.class_name for d in detections)
                    state["done"] += 1
                    if on_frame is not None:
                        on_frame(result)
                    now = time.monotonic()
                    if progress is not None and (
                        now - last_report >= PROGRESS_INTERVAL_S or state["done"] == len(indices)
                    ):
                        last_report = now
                        progress(
                            DetectionProgress(
                                state["done"],
                                len(indices),
                                state["done"] / max(now - started, 1e-6),
                                index,
                                jpeg,
                            )
                        )
        except BaseException as exc:
            errors.append(exc)
            halt.set()
            while _get(inferred, None) is not _END:  # let the inference loop finish
                pass

    with _entered(meter), stage_threads(detector.device, detector.backend):
        decoder = threading.Thread(target=decode, name="videolab-decode", daemon=True)
        writer = threading.Thread(target=write, name="videolab-write", daemon=True)
        decoder.start()
        writer.start()
        try:
            _infer_loop(detector, options, batch_size, decoded, inferred, halt, cancel)
        except _Stop:
            pass  # another stage failed; its error is in ``errors``
        except BaseException as exc:
            errors.append(exc)
            halt.set()
        finally:
            if cancel.is_set() or errors:
                halt.set()
            while decoder.is_alive() or not decoded.empty():  # unblock and drain the decoder
                decoded.get(timeout=_POLL_S)
            inferred.put_nowait_unbounded(_END)
            decoder.join()
            writer.join()
    if errors:
        raise errors[0]
    seconds = time.monotonic() - started
    done = state["done"]
    report = meter.report
    result: dict[str, Any] = {
        "schema": RESULT_SCHEMA,
        "model": {
            "name": model.name,
            "sha256": model.sha256,
            "classes": {str(k): v for k, v in sorted(detector.names.items())},
        },
        "params": {
            **params.to_json(),
            "start": indices.start,
            "end": indices.stop,
            "backend": detector.backend,
            "device": detector.device,
        },
        "video": {
            "name": video_path.name,
            "width": width,
            "height": height,
            "fps": round(fps, 4),
            "frame_count": frame_count,
            # Width and height above are display pixels (the boxes' pixels); the file stores
            # these, with this pixel aspect ratio and rotation (docs/architecture.md).
            "stored_width": reader.stored_width,
            "stored_height": reader.stored_height,
            "sample_aspect_ratio": str(reader.sample_aspect_ratio),
            "rotation": reader.rotation,
            "codec": reader.codec,
        },
        "annotated_max_side": max_side,
        "frames": frames_json,
        "summary": {
            "processed_frames": done,
            "per_class": dict(sorted(per_class.items())),
            "device": detector.device,
            "backend": detector.backend,
            "seconds": round(seconds, 3),
            "fps": round(done / max(seconds, 1e-6), 2),
            "cancelled": cancel.is_set() and done < len(indices),
        },
        "carbon": report.to_json() if report is not None else None,
    }
    if tracker is not None:
        tracks = summarize_tracks(frames_json)
        result["tracks"] = tracks
        result["summary"]["tracker"] = tracker.kind
        result["summary"]["unique_per_class"] = unique_per_class(tracks)
    return DetectionOutcome(
        result,
        done,
        bool(result["summary"]["cancelled"]),
        detector.backend,
        detector.device,
        seconds,
        report,
    )


@contextlib.contextmanager
def _entered(meter: CarbonMeter) -> Iterator[CarbonMeter]:
    """``with`` for a meter whose __enter__ already ran (in run_detection's loader thread)."""
    try:
        yield meter
    except BaseException as exc:
        meter.__exit__(type(exc), exc, exc.__traceback__)  # records the report, never swallows
        raise
    else:
        meter.__exit__(None, None, None)


def _infer_loop(
    detector: Any,
    options: Any,
    batch_size: int,
    decoded: ByteQueue,
    inferred: ByteQueue,
    halt: threading.Event,
    cancel: threading.Event,
) -> None:
    stream = getattr(detector, "stream", None)
    if stream is not None:  # a detector that overlaps frames itself (OpenVINO's requests)

        def frames() -> Iterator[tuple[Any, np.ndarray]]:
            while not (cancel.is_set() or halt.is_set()):
                item = _get(decoded, halt)
                if item is _END:
                    return
                yield item

        # closing(): on a stop the detector waits for its requests still running, now.
        with contextlib.closing(stream(frames(), options)) as results:
            for tag, frame, dets in results:
                _put(inferred, (tag, frame, dets), frame.nbytes, halt)
                del frame
        return
    while True:
        if cancel.is_set() or halt.is_set():
            return
        item = _get(decoded, halt)
        if item is _END:
            return
        batch: list[tuple[Any, np.ndarray]] = [item]
        ended = False
        while len(batch) < batch_size:
            got, extra = decoded.get(timeout=0)
            if not got:
                break
            if extra is _END:
                ended = True
                break
            batch.append(extra)
        if cancel.is_set():
            return
        detections = detector.detect([frame for _, frame in batch], options)
        for (tag, frame), dets in zip(batch, detections, strict=True):
            _put(inferred, (tag, frame, dets), frame.nbytes, halt)
        del batch, item, frame  # held no longer than the queues hold them
        if ended:
            return
