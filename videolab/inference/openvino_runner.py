"""Run an exported YOLO model (OpenVINO IR) directly on the OpenVINO runtime.

Going through Ultralytics' ``YOLO(...).predict`` for an exported model costs a job about
3 s before its first frame (importing torch and Ultralytics) and a few milliseconds per frame
(torch tensors for pre- and post-processing) — at 100 frames/s that is a third of the time —
and a build without torch cannot do it at all. Here the frame goes in as uint8 BGR; OpenVINO's
pre-processing step, compiled into the model, turns it into the RGB float input, and
``direct_runner`` / ``yolo_postprocess`` read the output exactly as Ultralytics does, for
detect, segment, pose and OBB models (boxes; masks and keypoints are not kept).

Frames run on several infer requests at once (the THROUGHPUT hint: one stream per core on a
small CPU). ``stream`` keeps every request busy all the time — a request that finishes gets the
next frame while the others still run — and yields results in the frames' order; ``detect``
does the same for a list.

Used for VideoLab's own cached exports (FP32 or INT8) and for IR folders the user chose; what
it cannot read (see ``direct_runner.unsupported_reason``) is refused or left to Ultralytics.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from videolab.domain.errors import Unavailable
from videolab.inference.detections import Detection
from videolab.inference.direct_runner import DirectRunner, plain_detect, unsupported_reason
from videolab.inference.models import ResolvedModel
from videolab.inference.yolo_postprocess import Letterbox

log = logging.getLogger(__name__)

MAX_REQUESTS = 4


def read_metadata(folder: Path) -> dict[str, Any]:
    """Ultralytics' metadata.yaml beside an OpenVINO export ({} when absent or unreadable)."""
    import yaml

    try:
        data = yaml.safe_load((folder / "metadata.yaml").read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def supports(model_xml: Path) -> bool:
    """True when ``model_xml`` is an export the direct runner reads correctly."""
    return unsupported_reason(read_metadata(model_xml.parent)) is None


def int8_checkable(model_xml: Path) -> bool:
    """True for a plain YOLO detect export (what the INT8 accuracy check reads)."""
    meta = read_metadata(model_xml.parent)
    return supports(model_xml) and plain_detect(meta) and str(meta.get("batch", 1)) == "1"


class OpenVinoDetector(DirectRunner):
    """A compiled OpenVINO YOLO model; the same interface as ``detector.Detector``."""

    def __init__(
        self,
        model: ResolvedModel,
        model_xml: Path,
        *,
        backend: str = "openvino",
        requests: int | None = None,
        dynamic_input_hw: tuple[int, int] | None = None,
        precision: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """``precision`` "f32" forces FP32 arithmetic; by default OpenVINO picks (bf16 on CPUs
        that have it: ~1.7x faster, boxes within a fraction of a pixel). ``model_xml`` may
        also be an .onnx file (OpenVINO reads both), with its ``metadata`` given."""
        import openvino as ov
        from openvino.preprocess import ColorFormat, PrePostProcessor

        if metadata is None:
            metadata = read_metadata(model_xml.parent)
        super().__init__(model, metadata, backend=backend)
        try:
            core = ov.Core()
            graph = core.read_model(str(model_xml))
            shape = graph.input(0).get_partial_shape()
            if len(shape) != 4:
                raise Unavailable(f"{model_xml.name} does not take images (input {shape})")
            if shape.is_dynamic:
                # A dynamic export: fixed here to the shape Ultralytics would feed it.
                h, w = dynamic_input_hw or (640, 640)
                graph.reshape({graph.input(0).get_any_name(): ov.PartialShape([1, 3, h, w])})
            else:
                _, _, h, w = (int(d.get_length()) for d in shape)
            self.input_hw = (h, w)
            ppp = PrePostProcessor(graph)
            ppp.input().tensor().set_element_type(ov.Type.u8).set_layout(
                ov.Layout("NHWC")
            ).set_color_format(ColorFormat.BGR)
            ppp.input().model().set_layout(ov.Layout("NCHW"))
            ppp.input().preprocess().convert_element_type(ov.Type.f32).convert_color(
                ColorFormat.RGB
            ).scale(255.0)
            graph = ppp.build()
            config: dict[str, Any] = {"PERFORMANCE_HINT": "THROUGHPUT"}
            if precision is not None:
                config["INFERENCE_PRECISION_HINT"] = precision
            self._compiled = core.compile_model(graph, "CPU", config)
            optimal = int(self._compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS"))
        except Unavailable:
            raise
        except Exception as exc:
            raise Unavailable(
                f"The model {model.name} could not be loaded by OpenVINO: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        count = requests or max(1, min(optimal, MAX_REQUESTS, os.cpu_count() or 1))
        self._requests = [self._compiled.create_infer_request() for _ in range(count)]
        self.batch_size = count

    def detect(self, frames: Sequence[np.ndarray], options: Any) -> list[list[Detection]]:
        return [dets for _, _, dets in self.stream(((None, f) for f in frames), options)]

    def stream(
        self, items: Iterable[tuple[Any, np.ndarray]], options: Any
    ) -> Iterator[tuple[Any, np.ndarray, list[Detection]]]:
        """(tag, frame) in, (tag, frame, detections) out, in order, with every infer request
        kept busy. Requests still running when the consumer stops are waited for."""
        free = list(self._requests)
        running: deque[tuple[Any, Letterbox, Any, np.ndarray]] = deque()
        try:
            for tag, frame in items:
                if not free:
                    yield self._finish(running.popleft(), free, options)
                request = free.pop()
                plan = self._letterbox(frame)
                request.start_async({0: plan.apply(frame)[None]})
                running.append((request, plan, tag, frame))
            while running:
                yield self._finish(running.popleft(), free, options)
        finally:
            for request, *_ in running:
                request.wait()

    def _finish(
        self, job: tuple[Any, Letterbox, Any, np.ndarray], free: list[Any], options: Any
    ) -> tuple[Any, np.ndarray, list[Detection]]:
        request, plan, tag, frame = job
        request.wait()
        try:
            dets = self._detections(request.get_output_tensor(0).data[0], plan, options)
        finally:
            free.append(request)
        return tag, frame, dets
