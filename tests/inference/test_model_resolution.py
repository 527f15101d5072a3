"""Model specs resolve offline, outside pickles need consent, and weights are fingerprinted."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from videolab.domain.errors import ConsentRequired, InvalidInput, Unavailable
from videolab.inference.models import DEMO_WEIGHTS, is_official_name, resolve_model

if TYPE_CHECKING:
    from tests.inference.conftest import ShortJob


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_demo_is_the_shipped_trusted_weights() -> None:
    model = resolve_model("demo")
    assert (model.name, model.format, model.trusted) == ("demo", "pt", True)
    assert model.path == DEMO_WEIGHTS.resolve()
    assert model.sha256 == sha256(DEMO_WEIGHTS)


@pytest.mark.parametrize("name", ["yolo11n.pt", "yolov8s.pt", "yolo11n-seg.pt", "yolov5su.pt"])
def test_official_names_are_recognised(name: str) -> None:
    assert is_official_name(name)


@pytest.mark.parametrize("name", ["demo", "best.pt", "models/yolo11n.pt", "yolo11n.onnx"])
def test_other_specs_are_not_official_names(name: str) -> None:
    assert not is_official_name(name)


def test_missing_official_model_says_how_to_get_it(tmp_path: Path) -> None:
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    with pytest.raises(Unavailable) as caught:
        resolve_model("yolo11n.pt", models_dir=models_dir)
    message = str(caught.value)
    assert message.startswith("Model yolo11n.pt is not downloaded and VideoLab is offline.")
    assert str(models_dir) in message
    assert "choose a local file" in message


def test_official_model_placed_in_the_models_folder_is_trusted(tmp_path: Path) -> None:
    shutil.copyfile(DEMO_WEIGHTS, tmp_path / "yolo11n.pt")
    model = resolve_model("yolo11n.pt", models_dir=tmp_path)
    assert model.trusted and model.format == "pt"
    assert model.path == (tmp_path / "yolo11n.pt").resolve()
    assert model.sha256 == sha256(DEMO_WEIGHTS)


def test_outside_pt_needs_consent(tmp_path: Path) -> None:
    outside = tmp_path / "downloads" / "best.pt"
    outside.parent.mkdir()
    shutil.copyfile(DEMO_WEIGHTS, outside)
    with pytest.raises(ConsentRequired, match="can run any program code"):
        resolve_model(str(outside), models_dir=tmp_path / "models")
    model = resolve_model(str(outside), models_dir=tmp_path / "models", allow_untrusted=True)
    assert (model.name, model.trusted, model.sha256) == ("best.pt", False, sha256(outside))


def test_pt_inside_the_models_folder_needs_no_consent(tmp_path: Path) -> None:
    shutil.copyfile(DEMO_WEIGHTS, tmp_path / "mine.pt")
    assert resolve_model(str(tmp_path / "mine.pt"), models_dir=tmp_path).trusted


def test_a_link_in_the_models_folder_to_an_outside_pt_is_not_trusted(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.pt"
    shutil.copyfile(DEMO_WEIGHTS, outside)
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    (models_dir / "linked.pt").symlink_to(outside)
    with pytest.raises(ConsentRequired):
        resolve_model(str(models_dir / "linked.pt"), models_dir=models_dir)


def test_onnx_outside_needs_no_consent(tmp_path: Path) -> None:
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"not really onnx, but resolution does not load it")
    model = resolve_model(str(onnx))
    assert (model.format, model.trusted, model.sha256) == ("onnx", False, sha256(onnx))


def test_openvino_folder_fingerprint_covers_every_file(tmp_path: Path) -> None:
    folder = tmp_path / "best_openvino_model"
    folder.mkdir()
    (folder / "best.xml").write_text("<net/>")
    (folder / "best.bin").write_bytes(b"\x00" * 16)
    (folder / "metadata.yaml").write_text("names: {0: square}\n")
    first = resolve_model(str(folder))
    assert first.format == "openvino" and len(first.sha256) == 64
    (folder / "best.bin").write_bytes(b"\x01" * 16)
    assert resolve_model(str(folder)).sha256 != first.sha256


@pytest.mark.parametrize("name", ["weights.h5", "notes.txt"])
def test_unknown_model_formats_are_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"x")
    with pytest.raises(InvalidInput, match="not a model VideoLab can use"):
        resolve_model(str(tmp_path / name))


def test_folder_that_is_not_openvino_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not an OpenVINO model"):
        resolve_model(str(tmp_path))


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        resolve_model(str(tmp_path / "gone.pt"))


def test_the_job_records_the_model_fingerprint(short_job: ShortJob) -> None:
    model = short_job.outcome.result_json["model"]
    assert model["name"] == "demo"
    assert model["sha256"] == sha256(DEMO_WEIGHTS)
    assert model["classes"] == {"0": "square", "1": "disc", "2": "triangle"}
