"""Exports name the video as VideoLab shows it and carry no float noise."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.jobs.conftest import JobWorld
from videolab.db.models import InferenceJob, Result, ResultChunk
from videolab.domain.enums import JobStatus
from videolab.domain.params import DetectionParams

#: What the detector saw: the decoded copy in the cache, named by the video's hash.
HASH_NAME = "b9d1f00dcafe0000e8.mp4"


def stored_result(world: JobWorld) -> InferenceJob:
    """A finished job whose result was stored the way jobs stored it before (hash name)."""
    with world.app.db.write() as s:
        job = InferenceJob(dataset_id=world.video.dataset_id, user_id=world.alice.id,
                           video_id=world.video.id, video_name=world.video.name,
                           status=JobStatus.COMPLETED, frames_total=1, frames_processed=1)
        s.add(job)
        s.flush()
        detection = {"class_id": 0, "class_name": "square", "confidence": 0.912345678,
                     "box_xyxy": [10.12, 20.5, 63.99, 74.37]}
        result = Result(job_id=job.id, zip_size=4, json_res={
            "schema": "videolab.result/1",
            "model": {"name": "demo", "classes": {"0": "square"}},
            "video": {"name": HASH_NAME, "width": 640, "height": 360},
            "frames": [{"index": 0, "time_s": 0.0, "detections": [detection]}],
        })
        s.add(result)
        s.flush()
        s.add(ResultChunk(result_id=result.id, seq=0, data=b"PK\x05\x06"))
        return job


def test_exports_name_the_video_not_its_hash_and_round_boxes(
    world: JobWorld, tmp_path: Path
) -> None:
    job = stored_result(world)
    export = world.app.jobs.export_result
    as_json = json.loads(export(world.alice, job.id, "json", tmp_path / "r.json").read_text())
    assert as_json["video"]["name"] == world.video.name == "moving.mp4"
    assert world.app.jobs.result(world.alice, job.id)["video"]["name"] == "moving.mp4"

    coco = json.loads(export(world.alice, job.id, "coco", tmp_path / "c.json").read_text())
    assert coco["info"]["description"] == "VideoLab detections on moving.mp4"
    (annotation,) = coco["annotations"]
    # 63.99 - 10.12 is 53.870000000000005 in floating point.
    assert annotation["bbox"] == [10.12, 20.5, 53.87, 53.87]
    assert annotation["area"] == 2901.98
    assert annotation["score"] == 0.9123
    assert HASH_NAME not in json.dumps(coco)

    with open(export(world.alice, job.id, "csv", tmp_path / "d.csv"), newline="") as f:
        rows = list(csv.reader(f))
    assert rows[1][-4:] == ["10.12", "20.5", "63.99", "74.37"]


def test_a_job_stores_its_result_under_the_videos_name(world: JobWorld) -> None:
    job = world.app.jobs.create(world.alice, world.video.id, DetectionParams(end=2, device="cpu"))
    done = world.app.jobs.run(world.alice, job.id)
    assert done.status is JobStatus.COMPLETED, done.error
    with world.app.db.read() as s:
        stored = s.query(Result).filter(Result.job_id == job.id).one().json_res
    assert stored["video"]["name"] == "moving.mp4"
