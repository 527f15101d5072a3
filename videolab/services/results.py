"""A job's stored result: its JSON, its ZIP of annotated frames, and their exports."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from videolab.db.chunks import iter_chunks
from videolab.db.models import Result, ResultChunk
from videolab.domain.errors import InvalidInput, NotFound
from videolab.file_modes import new_shared_file
from videolab.repositories.jobs import JobRepository
from videolab.services.base import ServiceContext

#: "zip" is the stored annotated frames (at most ``annotated_max_side`` px, 1280 by default);
#: "zip-full" draws the stored boxes again on the video's own frames, at full size.
EXPORT_FORMATS = ("json", "coco", "csv", "zip", "zip-full")
CSV_HEADER = ("frame", "time_s", "class_id", "class_name", "confidence", "x1", "y1", "x2", "y2")


@contextlib.contextmanager
def atomic_output(out: Path, *, private: bool = False) -> Iterator[Path]:
    """A temporary path beside ``out`` that replaces it only if the writer succeeds.

    An export gets the umask's mode; a ``private`` file (the cache's copy) gets 0600."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if private:
        fd, name = tempfile.mkstemp(prefix=".videolab-", dir=out.parent)
        tmp = Path(name)
    else:
        fd, tmp = new_shared_file(out.parent, ".videolab-")
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


class ResultStore:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._zip_lock = threading.Lock()

    def _result(self, session: Session, job_id: uuid.UUID) -> Result:
        result = JobRepository(session).result(job_id)
        if result is None:
            raise NotFound("This job has no result (yet).")
        return result

    def json(self, session: Session, job_id: uuid.UUID) -> dict[str, Any]:
        return self._named(session, job_id, self._result(session, job_id).json_res)

    @staticmethod
    def _named(session: Session, job_id: uuid.UUID, result_json: dict[str, Any]) -> dict[str, Any]:
        """The result with the video called by its name in VideoLab. Results stored before
        the job named it carry the name of the decoded copy it ran on ("b9d1…e8.mp4")."""
        job = JobRepository(session).get(job_id)
        if job is None or not job.video_name:
            return dict(result_json)
        return {**result_json, "video": {**result_json.get("video", {}), "name": job.video_name}}

    def local_zip(self, session: Session, job_id: uuid.UUID) -> Path:
        """The result ZIP on disk (cached by content hash) for random access to frames."""
        result = self._result(session, job_id)
        target = self.ctx.paths.cache_dir / "results" / f"{job_id}-{result.zip_sha256}.zip"
        with self._zip_lock:
            if target.is_file() and target.stat().st_size == result.zip_size:
                return target
            digest = hashlib.sha256()
            with atomic_output(target, private=True) as tmp, open(tmp, "wb") as sink:
                for chunk in iter_chunks(session, ResultChunk, result.id):
                    digest.update(chunk)
                    sink.write(chunk)
                sink.flush()
                if digest.hexdigest() != result.zip_sha256:
                    raise InvalidInput("The stored result is damaged (checksum mismatch).")
        return target

    def frame_jpeg(self, session: Session, job_id: uuid.UUID, frame_index: int) -> bytes:
        from videolab.inference.exports import read_zip_member

        path = self.local_zip(session, job_id)
        try:
            return read_zip_member(path, f"frame_{frame_index:06d}.jpg")
        except KeyError:
            raise NotFound(f"Frame {frame_index} was not processed by this job.") from None

    @staticmethod
    def export_full_size(result_json: dict[str, Any], video_path: Path, out: Path) -> Path:
        """The annotated frames at the video's full size, rendered from the video and the
        stored boxes (the stored ZIP keeps them at a bounded size). Needs no session: it runs
        for as long as decoding the job's frames takes."""
        from videolab.inference.render import render_frames_zip

        with atomic_output(out) as tmp:
            render_frames_zip(video_path, result_json, tmp, max_side=None)
        return out

    def export(self, session: Session, job_id: uuid.UUID, fmt: str, out: Path) -> Path:
        from videolab.inference.exports import to_coco, to_csv_rows

        fmt = fmt.lower()
        if fmt not in EXPORT_FORMATS:
            raise InvalidInput(
                f"Unknown export format '{fmt}'; use one of {', '.join(EXPORT_FORMATS)}."
            )
        if fmt == "zip-full":
            raise InvalidInput("A full-size export needs the video; use export_full_size.")
        result = self._result(session, job_id)
        named = self._named(session, job_id, result.json_res)
        with atomic_output(out) as tmp:
            if fmt == "zip":
                with open(tmp, "wb") as sink:
                    for chunk in iter_chunks(session, ResultChunk, result.id):
                        sink.write(chunk)
            elif fmt == "json":
                tmp.write_text(json.dumps(named, indent=2), encoding="utf-8")
            elif fmt == "coco":
                tmp.write_text(json.dumps(to_coco(named)), encoding="utf-8")
            else:
                with open(tmp, "w", newline="", encoding="utf-8") as sink:
                    writer = csv.writer(sink)
                    writer.writerow(CSV_HEADER)
                    writer.writerows(to_csv_rows(named))
        return out

    # -- tracks: MOT export and saved counting geometry (separate from ``export`` on purpose:
    # they need a tracked result, and the counting geometry is written, not only read) ------
    def export_mot(self, session: Session, job_id: uuid.UUID, out: Path) -> Path:
        from videolab.inference.mot import to_mot_lines

        lines = to_mot_lines(self._result(session, job_id).json_res)
        with atomic_output(out) as tmp:
            tmp.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        return out

    def counting(self, session: Session, job_id: uuid.UUID) -> dict[str, Any] | None:
        """The counting lines and zones saved with the result (None: none drawn yet)."""
        saved = self._result(session, job_id).counting
        return dict(saved) if saved is not None else None

    def save_counting(self, session: Session, job_id: uuid.UUID, geometry: dict[str, Any]) -> None:
        self._result(session, job_id).counting = geometry
