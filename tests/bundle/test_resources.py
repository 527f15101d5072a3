"""The shipped files live once, in the top-level resources/, and are found from a source tree
(and an editable install), from a wheel, and without PyTorch (the cpu bundle's case)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
import yaml

from videolab import shipped
from videolab.inference.models import DEMO_IR, DEMO_WEIGHTS, resolve_model

REPO = Path(__file__).resolve().parents[2]


def test_the_source_tree_finds_the_top_level_resources_and_keeps_no_second_copy() -> None:
    assert shipped.resources_dir() == REPO / "resources"
    assert not any(p.is_file() for p in (REPO / "videolab" / "resources").rglob("*"))
    tracked = subprocess.run(["git", "ls-files", "videolab/resources"], cwd=REPO,
                             capture_output=True, text=True).stdout
    assert tracked == ""


def test_the_resources_hold_the_icon_desktop_entry_and_both_forms_of_the_demo_model() -> None:
    icons = shipped.resource("icons")
    assert (icons / "videolab.svg").is_file() and (icons / "videolab.ico").is_file()
    assert (icons / "videolab.ico").read_bytes()[:4] == b"\0\0\1\0"
    for size in (16, 32, 48, 256, 512):
        assert (icons / f"videolab-{size}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    desktop = shipped.resource("videolab.desktop").read_text()
    assert "Exec=videolab\n" in desktop and "Icon=videolab\n" in desktop
    classes = json.loads(shipped.resource("models", "demo.json").read_text())["config"]["classes"]
    meta = yaml.safe_load((DEMO_IR / "metadata.yaml").read_text())
    assert list(meta["names"].values()) == classes
    assert meta["task"] == "detect" and meta["args"]["dynamic"] is True  # shaped per video
    assert {p.name for p in DEMO_IR.iterdir()} == {"demo.xml", "demo.bin", "metadata.yaml"}


def _setuptools_major() -> int:
    try:
        return int(metadata.version("setuptools").split(".")[0])
    except (metadata.PackageNotFoundError, ValueError):
        return 0


def test_a_wheel_carries_the_resources_inside_the_package(tmp_path: Path) -> None:
    # The project's own build requirement where installed (no download), else pip fetches it.
    isolation = ["--no-build-isolation"] if _setuptools_major() >= 77 else []
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation,
         "--quiet", "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(tmp_path.glob("videolab-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in ("icons/videolab.svg", "icons/videolab-256.png", "icons/videolab.ico",
                 "videolab.desktop", "models/demo.pt", "models/demo.json",
                 "models/demo_openvino_model/demo.xml", "models/demo_openvino_model/demo.bin",
                 "models/demo_openvino_model/metadata.yaml", "help/user-guide.md"):
        assert f"videolab/resources/{path}" in names, path
    assert "videolab/db/migrations/versions/0001_initial_schema.py" in names


def test_the_package_s_own_resources_folder_wins_when_it_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An installed wheel's layout: resources inside the package, nothing beside it."""
    package = tmp_path / "site-packages" / "videolab"
    (package / "resources" / "icons").mkdir(parents=True)
    (package / "resources" / "icons" / "videolab.svg").write_text("<svg/>")
    monkeypatch.setattr(shipped, "PACKAGE_DIR", package)
    shipped.resources_dir.cache_clear()
    try:
        assert shipped.resources_dir() == package / "resources"
    finally:
        shipped.resources_dir.cache_clear()


def test_demo_is_the_pt_model_where_pytorch_is_installed() -> None:
    model = resolve_model("demo")
    assert (model.format, model.path) == ("pt", DEMO_WEIGHTS.resolve())


def test_demo_is_the_openvino_export_where_pytorch_is_not_installed() -> None:
    code = (
        "import sys; sys.modules['torch'] = None; sys.modules['ultralytics'] = None\n"
        "from videolab.inference.models import resolve_model\n"
        "m = resolve_model('demo'); print(m.name, m.format, m.path, m.trusted)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout.split()
    assert out == ["demo", "openvino", str(DEMO_IR.resolve()), "True"]
