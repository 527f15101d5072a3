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
    if spec == "auto" and not cuda_driver_present():
        return "cpu"  # without importing torch: 1.6 s of a CPU job's start-up
    try:
        import torch
    except ImportError:  # a build without PyTorch (the CPU bundle) runs on the CPU only
        if spec == "auto":
            return "cpu"
        raise Unavailable(
            f"Device {spec} needs PyTorch, which this VideoLab build does not include; "
            "choose device 'cpu' or 'auto', or use the full build."
        ) from None

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


def cuda_driver_present() -> bool:
    """Whether the NVIDIA driver's CUDA library can be loaded: without it torch cannot see a
    GPU, so there is no need to import torch to ask."""
    import ctypes
    import sys

    if sys.platform == "darwin":
        return False
    name = "nvcuda.dll" if sys.platform == "win32" else "libcuda.so.1"
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def _index(spec: str) -> int:
    try:
        return int(spec.split(":", 1)[1])
    except ValueError:
        raise InvalidInput(f"Unknown device '{spec}': use auto, cpu, cuda or cuda:N.") from None


def cpu_threads() -> int:
    """Threads for torch on the CPU: every core when its OpenMP workers sleep while idle,
    otherwise cores - 1 (Ultralytics' own choice).

    Measured with scripts/bench_cpu_threads.py pinned to 2 cores (frames/s, demo model):

    | torch threads | OpenMP wait | idle | one busy process beside |
    | 1             | default     | 13.4 | 12.7                    |
    | 2             | default     | 17.0 | 0.47                    |
    | 2             | passive     | 17.8 | 10.4                    |

    All cores win on an idle machine, but spinning workers collapse beside anything else busy
    (the GUI, an upload, another job), so all cores only with passive waiting, which
    ultralytics_env.prepare() arranges when it runs before torch is loaded.
    """
    from videolab.inference.ultralytics_env import openmp_waits_passively

    cores = max(1, os.cpu_count() or 1)
    return cores if openmp_waits_passively() else max(1, cores - 1)


@contextlib.contextmanager
def stage_threads(device: str, backend: str = "torch") -> Iterator[None]:
    """Thread budget for a job's stages on this machine, for the duration of the job.

    Inference is most of a frame's CPU time; decoding a 640x360 frame takes ~1 ms and drawing +
    JPEG-encoding it ~1 ms. What the decode and encode threads should do beside it was measured
    on 2 cores with benchmarks/model_throughput.py (pipeline frames/s, OpenCV pool off / on):

    - torch (Ultralytics): OpenCV's own pool of cores-many workers spinning beside torch's
      threads only steals their cores, so it is switched off (cv2.setNumThreads(0): "run in the
      calling thread") for the job;
    - OpenVINO (our direct runner, one stream per core, INT8): 112.9 / 121.2 frames/s
      (medians of 3; an earlier set 116.6 / 118.8) — OpenVINO's streams wait for work
      without spinning, so the pool costs nothing and helps the decode and JPEG stages; it is
      left as it is.

    On a GPU the CPU is free for OpenCV, so nothing changes there either.
    """
    if device.startswith("cuda") or backend.startswith("openvino"):
        yield
        return
    import cv2

    before = cv2.getNumThreads()
    cv2.setNumThreads(0)
    try:
        yield
    finally:
        cv2.setNumThreads(before)
