"""Result JSON -> COCO and CSV, and result ZIPs read without trusting them."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from videolab.domain.errors import InvalidInput
from videolab.inference.exports import (
    check_archive,
    read_zip_member,
    safe_member_name,
    to_coco,
    to_csv_rows,
)

if TYPE_CHECKING:
    from tests.inference.conftest import ShortJob


def detections(result: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(f["index"], d) for f in result["frames"] for d in f["detections"]]


def test_short_job_found_shapes(short_job: ShortJob) -> None:
    result = short_job.outcome.result_json
    assert [f["index"] for f in result["frames"]] == [2, 4, 6, 8, 10]
    assert len(detections(result)) >= 2 * 5  # 2-3 shapes in each of the 5 frames


def test_coco_export_is_consistent(short_job: ShortJob) -> None:
    result = short_job.outcome.result_json
    coco = json.loads(json.dumps(to_coco(result)))  # plain JSON all the way down
    images = {img["id"]: img for img in coco["images"]}
    assert sorted(images) == [f["index"] for f in result["frames"]]
    for index, image in images.items():
        assert image["file_name"] == f"frame_{index:06d}.jpg"
        assert (image["width"], image["height"]) == (640, 360)
    assert [(c["id"], c["name"]) for c in coco["categories"]] == [
        (0, "square"), (1, "disc"), (2, "triangle")
    ]
    category_ids = {c["id"] for c in coco["categories"]}
    ids = [a["id"] for a in coco["annotations"]]
    assert len(ids) == len(set(ids)) == len(detections(result))
    for ann, (index, det) in zip(coco["annotations"], detections(result), strict=True):
        assert ann["image_id"] == index and ann["image_id"] in images
        assert ann["category_id"] == det["class_id"] and ann["category_id"] in category_ids
        x1, y1, x2, y2 = det["box_xyxy"]
        # Pixels to 2 decimals and scores to 4: no float noise such as 53.870000000000005.
        assert ann["bbox"] == pytest.approx([x1, y1, x2 - x1, y2 - y1], abs=0.006)
        assert all(round(v, 2) == v for v in ann["bbox"])
        assert ann["area"] == pytest.approx((x2 - x1) * (y2 - y1), abs=0.006)
        assert round(ann["area"], 2) == ann["area"]
        assert ann["iscrowd"] == 0
        assert ann["score"] == round(det["confidence"], 4)


def test_csv_has_one_row_per_detection(short_job: ShortJob) -> None:
    result = short_job.outcome.result_json
    rows = to_csv_rows(result)
    assert len(rows) == len(detections(result))
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    parsed = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert len(parsed) == len(rows)
    frame, _time_s, class_id, class_name, conf, x1, y1, x2, y2 = parsed[0]
    index, det = detections(result)[0]
    assert (int(frame), int(class_id), class_name) == (index, det["class_id"], det["class_name"])
    assert [float(v) for v in (x1, y1, x2, y2)] == pytest.approx(det["box_xyxy"])
    assert float(conf) == pytest.approx(det["confidence"])


def test_result_zip_is_readable_through_the_safe_helpers(short_job: ShortJob) -> None:
    names = check_archive(short_job.zip_path)
    assert names == [f"frame_{i:06d}.jpg" for i in (2, 4, 6, 8, 10)]
    assert read_zip_member(short_job.zip_path, names[0])[:2] == b"\xff\xd8"


@pytest.mark.parametrize(
    "name", ["../evil.jpg", "/etc/passwd", "a/../../b.jpg", "C:\\x.jpg", "c:evil", "", "a\x00b"]
)
def test_unsafe_member_names_are_rejected(name: str) -> None:
    assert not safe_member_name(name)


def test_archive_with_traversal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("frame_000000.jpg", b"ok")
        archive.writestr("../../outside.jpg", b"evil")
    with pytest.raises(InvalidInput, match="unsafe"):
        check_archive(path)
    with pytest.raises(InvalidInput, match="unsafe"):
        read_zip_member(path, "../../outside.jpg")


def test_oversized_and_bomb_members_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("frame_000000.jpg", b"\x00" * 2_000_000)  # compresses ~1000:1
        archive.writestr("frame_000001.jpg", b"x" * 100)
    with pytest.raises(InvalidInput, match="too large"):
        read_zip_member(path, "frame_000000.jpg")
    with pytest.raises(InvalidInput, match="too large"):
        read_zip_member(path, "frame_000001.jpg", max_bytes=50)
