"""A cache of models exported by Ultralytics' own exporter (OpenVINO, ONNX), built once per key.

An export takes seconds to tens of seconds, so it is done once and kept in the app's cache
folder (``app_paths().export_cache_dir``). An entry is keyed by everything that changes the
exported file: the weights' SHA-256, the format, the fixed input shape, and the versions of
the libraries that write and read it (Ultralytics, torch, and OpenVINO or ONNX Runtime).

Entries are built in a temporary folder beside the cache and renamed into place in one step,
with a ``manifest.json`` written last that lists every file's size and SHA-256. An entry is
used only after the manifest and every file in it check out; a partial, truncated or tampered
entry (a crash half way, a full disk, a user poking around) is thrown away and rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import threading
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from videolab.domain.errors import Unavailable
from videolab.inference.models import ResolvedModel, file_sha256

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
MANIFEST_SCHEMA = "videolab.export/1"
FORMATS = ("openvino", "onnx", "openvino-int8")
_RUNTIME_PACKAGE = {"openvino": "openvino", "onnx": "onnxruntime", "openvino-int8": "openvino"}
# What an INT8 entry holds when quantization did not pass its accuracy check (see quantize).
REJECTED = "rejected.json"
_STALE_TMP_S = 24 * 3600
# Changes when the way VideoLab exports changes, so older entries are rebuilt (2: exported as
# the model's own task instead of "detect").
EXPORT_RECIPE = 2

# Entries verified in this process, by key: a second cache folder (tests, a profile switch)
# gets a copy of a good entry instead of a fresh export.
_verified: dict[str, Path] = {}
_build_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class ExportError(Unavailable):
    """Ultralytics could not export (or the export could not be stored)."""


@dataclass(frozen=True)
class ExportEntry:
    """A verified export: ``model_path`` is what Ultralytics' YOLO() loads (for an INT8 entry
    whose quantization was refused, the ``rejected.json`` verdict instead)."""

    key: str
    folder: Path
    model_path: Path
    format: str
    imgsz: tuple[int, int]
    built: bool  # True when this call exported it, False when it came from the cache

    @property
    def rejected(self) -> bool:
        return self.model_path.name == REJECTED


def library_versions(fmt: str) -> dict[str, str]:
    """Versions of the libraries an export of ``fmt`` depends on (no import needed)."""
    names = ["ultralytics", "torch", _RUNTIME_PACKAGE[fmt]]
    if fmt == "openvino-int8":
        names.append("nncf")
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def cache_key(model_sha256: str, fmt: str, imgsz: tuple[int, int], variant: str = "") -> str:
    """The entry's name. ``variant`` is anything else the content depends on (the SHA-256 of
    the video an INT8 model was calibrated on)."""
    versions = library_versions(fmt)
    tag = ",".join(f"{k}={v}" for k, v in sorted(versions.items()))
    text = f"{model_sha256}|{fmt}|{imgsz[0]}x{imgsz[1]}|{tag}|{variant}|{EXPORT_RECIPE}"
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    extra = f"-{variant[:12]}" if variant else ""
    return f"{model_sha256[:16]}-{fmt}-{imgsz[0]}x{imgsz[1]}{extra}-{digest}"


class ExportCache:
    """Exports of .pt weights under ``root``; see the module docstring."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # -- lookup --------------------------------------------------------------------------------
    def entry_dir(self, key: str) -> Path:
        return self.root / key

    def lookup(self, key: str) -> ExportEntry | None:
        """The verified entry for ``key``, or None (a bad entry is removed)."""
        folder = self.entry_dir(key)
        if not folder.exists():
            return None
        entry = self._verify(folder, key)
        if entry is None:
            log.warning("export cache entry %s is incomplete or damaged; rebuilding it", folder)
            _remove(folder)
        return entry

    def get_or_build(
        self,
        model: ResolvedModel,
        fmt: str,
        imgsz: tuple[int, int],
        *,
        status: Callable[[str], None] | None = None,
        build: Callable[..., None] | None = None,
        variant: str = "",
        cancel: threading.Event | None = None,
    ) -> ExportEntry:
        """The cached export of ``model`` as ``fmt`` at input ``imgsz`` (h, w); exported now if
        missing or damaged. Raises ExportError when Ultralytics cannot export it.

        ``build(folder, status=...)`` replaces Ultralytics' exporter for formats it does not
        make itself (INT8, built from the FP32 export); ``variant`` then names what else went
        into it. With ``cancel``, the export or build runs in a child process and setting the
        event stops it (Cancelled is raised; nothing is cached); ``build`` and what it holds
        must then be picklable."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown export format {fmt!r}")
        if model.format != "pt":
            raise ValueError("only .pt weights are exported")
        if (build is None) != (fmt in ("openvino", "onnx")):
            raise ValueError(f"{fmt} entries need a build function (and only they do)")
        key = cache_key(model.sha256, fmt, imgsz, variant)
        with _lock_for(key), _FileLock(self.root / f".{key}.lock"):
            entry = self.lookup(key)
            if entry is not None:
                _verified[key] = entry.folder
                return entry
            self.root.mkdir(parents=True, exist_ok=True)
            self._sweep_stale_tmp()
            tmp = self.root / f".tmp-{key}-{uuid.uuid4().hex[:8]}"
            try:
                if not self._copy_verified_from_elsewhere(key, tmp):
                    if build is not None:
                        tmp.mkdir(parents=True)
                        _run_step(build, tmp, cancel=cancel, status=status)
                    else:
                        if status is not None:
                            status(
                                f"Preparing the model for {fmt} (once; this takes a little while)"
                            )
                        _run_step(_export, model, fmt, imgsz, tmp, cancel=cancel, status=status)
                self._write_manifest(tmp, key, model, fmt, imgsz)
                target = self.entry_dir(key)
                _remove(target)
                os.replace(tmp, target)
                _fsync_dir(self.root)
            except BaseException:
                _remove(tmp)
                raise
            entry = self._verify(target, key)
            if entry is None:  # the disk lied to us; nothing sensible left to try
                _remove(target)
                raise ExportError(
                    f"The {fmt} export of {model.name} could not be stored in {self.root}."
                )
            _verified[key] = target
            return ExportEntry(entry.key, entry.folder, entry.model_path, fmt, imgsz, True)

    # -- internals -----------------------------------------------------------------------------
    def _copy_verified_from_elsewhere(self, key: str, tmp: Path) -> bool:
        other = _verified.get(key)
        if other is None or other.parent.resolve() == self.root.resolve():
            return False
        if self._verify(other, key) is None:
            _verified.pop(key, None)
            return False
        shutil.copytree(other, tmp)
        (tmp / MANIFEST).unlink()
        return True

    def _write_manifest(
        self, folder: Path, key: str, model: ResolvedModel, fmt: str, imgsz: tuple[int, int]
    ) -> None:
        model_path = _find_export(folder, fmt)
        files = {}
        for item in sorted(p for p in folder.rglob("*") if p.is_file()):
            rel = item.relative_to(folder).as_posix()
            files[rel] = {"size": item.stat().st_size, "sha256": file_sha256(item)}
            _fsync_file(item)
        manifest = {
            "schema": MANIFEST_SCHEMA,
            "key": key,
            "format": fmt,
            "model_name": model.name,
            "model_sha256": model.sha256,
            "imgsz": list(imgsz),
            "versions": library_versions(fmt),
            "model_path": model_path.relative_to(folder).as_posix(),
            "files": files,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        path = folder / MANIFEST
        with open(path, "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=1)
            f.flush()
            os.fsync(f.fileno())

    def _verify(self, folder: Path, key: str) -> ExportEntry | None:
        try:
            manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text("utf-8"))
            if manifest.get("schema") != MANIFEST_SCHEMA or manifest.get("key") != key:
                return None
            files = manifest["files"]
            present = {
                p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
            } - {MANIFEST}
            if present != set(files):
                return None
            for rel, want in files.items():
                item = folder / rel
                if item.stat().st_size != want["size"] or file_sha256(item) != want["sha256"]:
                    return None
            model_path = folder / manifest["model_path"]
            if not model_path.exists():
                return None
            h, w = manifest["imgsz"]
            return ExportEntry(key, folder, model_path, manifest["format"], (h, w), False)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _sweep_stale_tmp(self) -> None:
        now = time.time()
        for tmp in self.root.glob(".tmp-*"):
            with contextlib.suppress(OSError):
                if now - tmp.stat().st_mtime > _STALE_TMP_S:
                    _remove(tmp)


def _run_step(
    step: Callable[..., None],
    *args: Any,
    cancel: threading.Event | None,
    status: Callable[[str], None] | None,
) -> None:
    """Run a build step here, or, when it may be cancelled, in a child process."""
    if cancel is None:
        step(*args, status=status)
        return
    from videolab.inference.cancellable import StepFailed, run_cancellable

    try:
        run_cancellable(step, *args, cancel=cancel, status=status)
    except StepFailed as exc:
        raise ExportError(str(exc)) from None


def _export(
    model: ResolvedModel,
    fmt: str,
    imgsz: tuple[int, int],
    tmp: Path,
    *,
    status: Callable[[str], None] | None = None,
) -> None:
    """Run Ultralytics' exporter on a private copy of the weights, inside ``tmp``."""
    from videolab.inference.ultralytics_env import import_ultralytics

    tmp.mkdir(parents=True)
    source = tmp / "model.pt"
    shutil.copyfile(model.path, source)
    if file_sha256(source) != model.sha256:
        raise ExportError(
            f"The model file {model.path} changed while it was being prepared; start the job again."
        )
    ultralytics = import_ultralytics()
    options: dict[str, Any] = {
        "format": fmt,
        "imgsz": list(imgsz),
        "half": False,
        "int8": False,
        "dynamic": False,
        "batch": 1,
        "device": "cpu",
        "verbose": False,
    }
    if fmt == "onnx":
        options["simplify"] = False  # onnxslim is not a dependency; Ultralytics would pip it
    started = time.monotonic()
    try:
        # torch's tracer warns about every Python branch it freezes (TracerWarning); they are
        # about Ultralytics' code, expected, and an app running with warnings as errors (our
        # tests) must not turn them into a failed export.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # The model's own task (from its checkpoint): a segmentation, pose or OBB export
            # made as "detect" would be read with its extra channels taken for classes.
            ultralytics.YOLO(str(source)).export(**options)
    except Exception as exc:
        raise ExportError(
            f"Ultralytics could not export the model to {fmt}: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        source.unlink(missing_ok=True)
        for extra in tmp.glob("*.torchscript"):
            extra.unlink(missing_ok=True)
    _find_export(tmp, fmt)  # raises when the exporter claimed success but wrote nothing
    log.info("exported %s to %s in %.1f s", model.name, fmt, time.monotonic() - started)


def _find_export(folder: Path, fmt: str) -> Path:
    if fmt == "openvino-int8" and (folder / REJECTED).is_file():
        return folder / REJECTED
    if fmt in ("openvino", "openvino-int8"):
        found = [p for p in folder.glob("*_openvino_model") if any(p.glob("*.xml"))]
    else:
        found = list(folder.glob("*.onnx"))
    if len(found) != 1:
        raise ExportError(f"Ultralytics' {fmt} export left no model file in {folder}.")
    return found[0]


def _remove(path: Path) -> None:
    if not path.exists() and not path.is_symlink():
        return
    if path.is_dir() and not path.is_symlink():
        # Rename first so a half-removed folder never looks like an entry.
        trash = path.with_name(f".tmp-trash-{uuid.uuid4().hex[:8]}")
        try:
            os.replace(path, trash)
        except OSError:
            trash = path
        shutil.rmtree(trash, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def _fsync_file(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    _fsync_file(path)


def _lock_for(key: str) -> threading.Lock:
    with _locks_guard:
        return _build_locks.setdefault(key, threading.Lock())


class _FileLock:
    """An advisory lock between processes (POSIX flock / Windows msvcrt); best effort."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> _FileLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return self
        try:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except ImportError:  # Windows
            import msvcrt

            while True:
                try:
                    msvcrt.locking(self._fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
                    break
                except OSError:
                    time.sleep(0.1)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is None:
            return
        try:
            try:
                import fcntl

                fcntl.flock(self._fd, fcntl.LOCK_UN)
            except ImportError:
                import msvcrt

                with contextlib.suppress(OSError):
                    msvcrt.locking(self._fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        finally:
            os.close(self._fd)
            self._fd = None
