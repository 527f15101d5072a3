"""Result JSON -> COCO and CSV; and reading result ZIPs without trusting them."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from videolab.domain.errors import InvalidInput

#: No annotated frame is anywhere near this; a bigger member is not ours.
MAX_MEMBER_BYTES = 64 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200


#: Decimals of a pixel coordinate in exports: the stored boxes' precision (1/100 px).
PIXEL_DECIMALS = 2


def _px(value: float) -> float:
    return round(value, PIXEL_DECIMALS)


def to_coco(result: dict[str, Any]) -> dict[str, Any]:
    """COCO detection JSON: images = processed frames, categories = the model's classes. An
    oriented box also gets its outline as a ``segmentation`` polygon and its own area."""
    video = result.get("video", {})
    width, height = int(video.get("width", 0)), int(video.get("height", 0))
    classes = {int(k): str(v) for k, v in result.get("model", {}).get("classes", {}).items()}
    categories = [
        {"id": cid, "name": name, "supercategory": "object"}
        for cid, name in sorted(classes.items())
    ]
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for frame in result.get("frames", []):
        index = int(frame["index"])
        images.append(
            {
                "id": index,
                "file_name": f"frame_{index:06d}.jpg",
                "width": width,
                "height": height,
                "frame_index": index,
                "time_s": frame.get("time_s"),
            }
        )
        for det in frame.get("detections", []):
            x1, y1, x2, y2 = (float(v) for v in det["box_xyxy"])
            w, h = max(0.0, x2 - x1), max(0.0, y2 - y1)
            annotation: dict[str, Any] = {
                "id": len(annotations) + 1,
                "image_id": index,
                "category_id": int(det["class_id"]),
                # Subtracting two 2-decimal numbers gives 53.870000000000005: round again.
                "bbox": [_px(x1), _px(y1), _px(w), _px(h)],
                "area": _px(w * h),
                "iscrowd": 0,
                "score": round(float(det["confidence"]), 4),
            }
            if det.get("box_xywhr"):  # an oriented box: its outline as a COCO polygon
                annotation["segmentation"] = [_polygon(det["box_xywhr"])]
                annotation["area"] = _px(float(det["box_xywhr"][2]) * float(det["box_xywhr"][3]))
            annotations.append(annotation)
    return {
        "info": {
            "description": f"VideoLab detections on {video.get('name', 'a video')}",
            "version": result.get("schema", ""),
        },
        "licenses": [],
        "images": images,
        "annotations": annotations,
        "categories": categories,
    }


def _polygon(xywhr: list[float]) -> list[float]:
    import numpy as np

    from videolab.inference.yolo_postprocess import corners

    pts = corners(np.asarray([xywhr], dtype=np.float64))[0]
    return [round(float(v), 2) for v in pts.reshape(-1)]


def to_csv_rows(result: dict[str, Any]) -> list[list[Any]]:
    """One row per detection: frame, time_s, class_id, class_name, confidence, x1, y1, x2, y2."""
    rows: list[list[Any]] = []
    for frame in result.get("frames", []):
        for det in frame.get("detections", []):
            rows.append(
                [
                    frame["index"],
                    frame.get("time_s"),
                    det["class_id"],
                    det["class_name"],
                    det["confidence"],
                    *(_px(float(v)) for v in det["box_xyxy"]),
                ]
            )
    return rows


def safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        bool(name)
        and "\\" not in name
        and not path.is_absolute()
        and ".." not in path.parts
        and ":" not in name
        and "\x00" not in name
    )


def read_zip_member(path: Path, name: str, *, max_bytes: int = MAX_MEMBER_BYTES) -> bytes:
    """One member of a ZIP, refusing unsafe names and sizes (zip bombs, path traversal).

    Raises KeyError when the member is absent, InvalidInput when it is unsafe.
    """
    if not safe_member_name(name):
        raise InvalidInput(f"Refusing to read ZIP member {name!r}: unsafe name.")
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
        if info.file_size > max_bytes or (
            info.compress_size and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO
        ):
            raise InvalidInput(f"Refusing to read ZIP member {name!r}: it is too large.")
        with archive.open(info) as member:
            data = member.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise InvalidInput(f"Refusing to read ZIP member {name!r}: it is too large.")
        return data


def check_archive(path: Path) -> list[str]:
    """Member names of a ZIP after checking every one is safe; InvalidInput otherwise."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    bad = [n for n in names if not safe_member_name(n)]
    if bad:
        raise InvalidInput(f"The ZIP holds unsafe member names: {bad[:3]}.")
    return names
