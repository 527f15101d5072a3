"""Use cases on a tracked job's result: annotated MP4, MOT export, counts by line and zone."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from videolab.domain.dto import UserDTO
from videolab.domain.errors import InvalidInput
from videolab.services.base import ServiceContext
from videolab.services.jobs import JobService
from videolab.services.results import atomic_output

if TYPE_CHECKING:
    from videolab.inference.counting import CountingLine, CountingZone, Counts
    from videolab.inference.mp4_export import Mp4Report


class TrackService:
    def __init__(self, ctx: ServiceContext, jobs: JobService) -> None:
        self.ctx = ctx
        self.jobs = jobs

    def export_mp4(
        self,
        actor: UserDTO,
        job_id: uuid.UUID,
        out: Path,
        *,
        skipped: str = "hold",
        trails: bool = False,
        progress: Callable[[int, int], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> Mp4Report:
        """The result drawn on the original video as an H.264 MP4 (see inference/mp4_export).

        Streams frame by frame; a cancel raises Cancelled and leaves no file at ``out``.
        """
        from videolab.inference.mp4_export import write_annotated_mp4

        result = self.jobs.result(actor, job_id)  # checks ownership
        job = self.jobs.get(actor, job_id)
        if job.video_id is None:  # jobs outlive their videos; the frames are gone with it
            raise InvalidInput(
                "The video of this job was deleted, so there are no frames to draw on."
            )
        video = self.jobs.videos.local_copy(actor, job.video_id)
        out = Path(out)
        with atomic_output(out) as tmp:  # the muxer is named, so no .mp4 suffix is needed
            report = write_annotated_mp4(
                video, result, tmp, skipped=skipped, trails=trails,
                progress=progress, cancel=cancel,
            )
        return dataclasses.replace(report, path=out)

    def export_mot(self, actor: UserDTO, job_id: uuid.UUID, out: Path) -> Path:
        with self.ctx.db.read() as s:
            self.jobs._owned(s, actor, job_id)
            return self.jobs.results.export_mot(s, job_id, Path(out))

    def saved_geometry(
        self, actor: UserDTO, job_id: uuid.UUID
    ) -> tuple[list[CountingLine], list[CountingZone]]:
        from videolab.inference.counting import geometry_from_json

        with self.ctx.db.read() as s:
            self.jobs._owned(s, actor, job_id)
            return geometry_from_json(self.jobs.results.counting(s, job_id))

    def count_points(
        self,
        actor: UserDTO,
        job_id: uuid.UUID,
        lines: Sequence[Sequence[tuple[float, float]]],
        zones: Sequence[Sequence[tuple[float, float]]],
    ) -> Counts:
        """``counts`` for lines and zones given as point lists (video pixels), named line1...,
        zone1...; saved with the result like ``counts``."""
        built_lines, built_zones = drawn_geometry(lines, zones)
        return self.counts(actor, job_id, built_lines, built_zones)

    def save_points(
        self,
        actor: UserDTO,
        job_id: uuid.UUID,
        lines: Sequence[Sequence[tuple[float, float]]],
        zones: Sequence[Sequence[tuple[float, float]]],
    ) -> None:
        """Save lines and zones given as point lists with the result, replacing what was
        saved, without counting (the desktop app counts on its long-work queue,
        ``count_drawn``). Refuses an untracked result."""
        from videolab.inference.counting import geometry_to_json, require_tracks

        built_lines, built_zones = drawn_geometry(lines, zones)
        require_tracks(self.jobs.result(actor, job_id))  # checks ownership too
        with self.ctx.db.write() as s:
            self.jobs._owned(s, actor, job_id)
            self.jobs.results.save_counting(
                s, job_id, geometry_to_json(built_lines, built_zones)
            )

    def counts(
        self,
        actor: UserDTO,
        job_id: uuid.UUID,
        lines: Sequence[CountingLine] | None = None,
        zones: Sequence[CountingZone] | None = None,
    ) -> Counts:
        """Counts from the stored tracks. Lines/zones given are saved with the result and
        replace what was saved; none given: the saved ones are used."""
        from videolab.inference.counting import count, geometry_to_json

        result = self.jobs.result(actor, job_id)
        if lines is None and zones is None:
            lines, zones = self.saved_geometry(actor, job_id)
        lines, zones = list(lines or []), list(zones or [])
        counts = count(result, lines, zones)  # refuses an untracked result before saving
        geometry = geometry_to_json(lines, zones)
        with self.ctx.db.write() as s:
            self.jobs._owned(s, actor, job_id)
            self.jobs.results.save_counting(s, job_id, geometry)
        return counts


def drawn_geometry(
    lines: Sequence[Sequence[tuple[float, float]]],
    zones: Sequence[Sequence[tuple[float, float]]],
) -> tuple[list[CountingLine], list[CountingZone]]:
    """Lines and zones from point lists (video pixels), named line1..., zone1..."""
    from videolab.inference.counting import CountingLine, CountingZone

    built_lines = [CountingLine(f"line{i}", (tuple(p[0]), tuple(p[1])))  # type: ignore[arg-type]
                   for i, p in enumerate(lines, 1)]
    built_zones = [CountingZone(f"zone{i}", tuple(tuple(q) for q in p))  # type: ignore[misc]
                   for i, p in enumerate(zones, 1)]
    return built_lines, built_zones


def count_drawn(
    result: Mapping[str, Any],
    lines: Sequence[Sequence[tuple[float, float]]],
    zones: Sequence[Sequence[tuple[float, float]]],
    *,
    progress: Callable[[Any], None] | None = None,
    cancel: threading.Event | None = None,
) -> Counts:
    """Counts of drawn lines and zones on a result already in memory: no database, so it
    runs on a long-work queue; ``progress((done, total))`` per frame, ``cancel`` stops it."""
    from videolab.inference.counting import count

    built_lines, built_zones = drawn_geometry(lines, zones)
    report = None if progress is None else (lambda done, total: progress((done, total)))
    return count(result, built_lines, built_zones, progress=report, cancel=cancel)
