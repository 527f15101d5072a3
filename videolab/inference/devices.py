"""Which device a job runs on, decided once and explained when impossible."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from videolab.domain.errors import InvalidInput, Unavailable


def resolve_device(spec: str) -> str:
    """'auto' -> 'cuda:0' when a CUDA GPU is usable, else 'cpu'; 'cuda[:N]' must exist."""
    spec = (spec or "auto").strip().lower()
    if spec == "cpu":
        return "cpu"
    import torch

    if spec == "auto":
        return "cuda:0" if torch.cuda.is_available() else "cpu"
    if spec == "cuda" or spec.startswith("cuda:"):
        index = 0 if spec == "cuda" else _index(spec)
        if not torch.cuda.is_available():
            raise Unavailable(
                "No CUDA GPU is available on this computer; choose device 'cpu' or 'auto'."
            )
        if index >= torch.cuda.device_count():
            raise Unavailable(
                f"There is no GPU {index}; this computer has {torch.cuda.device_count()}."
            )
        return f"cuda:{index}"
    raise InvalidInput(f"Unknown device '{spec}': use auto, cpu, cuda or cuda:N.")


def _index(spec: str) -> int:
    try:
        return int(spec.split(":", 1)[1])
    except ValueError:
        raise InvalidInput(f"Unknown device '{spec}': use auto, cpu, cuda or cuda:N.") from None


def cpu_threads() -> int:
    """Threads for torch on the CPU: every core. Ultralytics' own choice is cores - 1, which on
    a 2-core machine halves inference speed; the decode and encode threads mostly wait on I/O
    and the GIL-free OpenCV calls, so they don't need a core of their own."""
    return usable_cores()


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask: containers, taskset), not the
    machine's total that os.cpu_count() reports."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def stage_threads(device: str) -> Iterator[None]:
    """Thread budget for a job's stages on this machine, for the duration of the job.

    Measured on a 2-core machine (benchmarks/model_throughput.py): inference is ~85-90% of a
    frame's CPU time, decoding a 640x360 frame ~1-2 ms and drawing + JPEG-encoding it ~2-3 ms.
    So inference gets every core (torch.set_num_threads(cores); OpenVINO's LATENCY hint uses
    all cores by itself), and OpenCV's own worker pool is switched off (cv2.setNumThreads(0)
    means "run in the calling thread"): the decode and encode threads are already parallel to
    inference, and a second pool of cores-many OpenCV workers spinning beside torch's or
    OpenVINO's only steals their cores (oversubscription). On a GPU the CPU is free for
    OpenCV, so nothing changes there.
    """
    if device.startswith("cuda"):
        yield
        return
    import cv2

    before = cv2.getNumThreads()
    cv2.setNumThreads(0)
    try:
        yield
    finally:
        cv2.setNumThreads(before)
