"""The run dialog says which models are on this machine, what the chosen one detects, and
what to do for one that is not downloaded, before Run is possible."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from gui_helpers import open_window, wait_idle

from videolab.gui.widgets import dialogs
from videolab.gui.widgets.run_dialog import WHERE_ROLE, RunDialog, classes_hint
from videolab.inference.models import DEMO_IR, DEMO_WEIGHTS


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    """A model folder holding one OpenVINO model with other classes than the demo's."""
    folder = tmp_path / "models"
    pets = folder / "pets_openvino_model"
    shutil.copytree(DEMO_IR, pets)
    (pets / "metadata.yaml").write_text(
        "task: detect\nnames:\n  0: cat\n  1: dog\n", encoding="utf-8"
    )
    return folder


def _dialog(qtbot, app, demo, models_dir: Path) -> RunDialog:  # type: ignore[no-untyped-def]
    video = app.videos.list(demo.alice, app.datasets.list(demo.alice)[0].id)[0]
    dialog = RunDialog(video, 100_000, models_dir=models_dir)
    qtbot.addWidget(dialog)
    return dialog


def _where(dialog: RunDialog) -> dict[str, str]:
    m = dialog.model
    return {m.itemText(i): m.itemData(i, WHERE_ROLE) for i in range(m.count())}


def test_the_list_says_where_each_model_is(qtbot, app, demo, models_dir: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, app, demo, models_dir)
    where = _where(dialog)
    assert where["demo"] == "shipped"
    assert where["pets_openvino_model"] == "your model folder"
    assert where["yolo11n.pt"] == "not downloaded"
    assert dialog.run_button.isEnabled()
    # the list is wide enough that "not downloaded" is never elided to "… downloaded"
    wanted = dialog.model.fontMetrics().horizontalAdvance("yolo11n.pt  —  not downloaded")
    assert dialog.model.view().minimumWidth() > wanted


def test_a_model_not_downloaded_says_what_to_do(qtbot, app, demo, models_dir: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, app, demo, models_dir)
    dialog.model.setCurrentText("yolo11n.pt")
    assert not dialog.run_button.isEnabled()
    text = dialog.problem.text()
    assert "not downloaded" in text and str(models_dir) in text
    assert "github.com/ultralytics/assets/releases" in text
    # once the file is in the folder, it runs
    models_dir.mkdir(exist_ok=True)
    shutil.copyfile(DEMO_WEIGHTS, models_dir / "yolo11n.pt")
    dialog.model.setCurrentText("demo")
    dialog.model.setCurrentText("yolo11n.pt")
    assert dialog.run_button.isEnabled(), dialog.problem.text()


def test_a_missing_file_is_refused(qtbot, app, demo, models_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, app, demo, models_dir)
    dialog.model.setCurrentText(str(tmp_path / "nowhere.pt"))
    assert not dialog.run_button.isEnabled()
    assert "does not exist" in dialog.problem.text()
    notes = tmp_path / "notes.txt"
    notes.write_text("not a model")
    dialog.model.setCurrentText(str(notes))
    assert not dialog.run_button.isEnabled()
    assert "not a model VideoLab can use" in dialog.problem.text()


def test_the_classes_hint_follows_the_chosen_model(qtbot, app, demo, models_dir: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, app, demo, models_dir)
    assert dialog.classes.placeholderText() == "all classes (0 square, 1 disc, 2 triangle)"
    dialog.model.setCurrentText("pets_openvino_model")
    assert dialog.classes.placeholderText() == "all classes (0 cat, 1 dog)"
    assert "square" not in dialog.classes.placeholderText()
    dialog.classes.setText("2")  # the demo's triangle: not a class of this model
    assert not dialog.run_button.isEnabled()
    assert "Class 2 is not one of this model's classes (0–1)" in dialog.problem.text()
    dialog.model.setCurrentText("yolo11s.pt")  # unknown classes: no stale hint
    assert dialog.classes.placeholderText() == "all classes"


def test_a_long_class_list_is_shortened() -> None:
    names = {i: f"c{i}" for i in range(80)}
    assert classes_hint(names) == "all 80 classes (0 c0, 1 c1, 2 c2, 3 c3, 4 c4, 5 c5, …)"


def test_no_blank_gap_after_the_message_clears(qtbot, app, demo, models_dir: Path) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, app, demo, models_dir)
    dialog.show()
    qtbot.waitExposed(dialog)
    before = dialog.height()
    dialog.model.setCurrentText("yolo11n.pt")  # a two-line message appears
    qtbot.wait(50)
    assert dialog.problem.isVisible()
    assert dialog.height() > before
    dialog.model.setCurrentText("demo")
    qtbot.wait(50)
    assert not dialog.problem.isVisible()
    assert dialog.height() == before


def test_the_outside_model_warning_is_said_once(qtbot, app, demo, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path / "outside" / "weights.pt"
    outside.parent.mkdir()
    shutil.copyfile(DEMO_WEIGHTS, outside)
    asked: list[str] = []
    monkeypatch.setattr(dialogs, "confirm", lambda *a, **k: asked.append(a[2]) or False)
    window = open_window(qtbot, app, demo.alice)
    jobs_before = len(app.jobs.list(demo.alice))
    video = app.videos.list(demo.alice, app.datasets.list(demo.alice)[0].id)[0]
    dialog = window.open_run_dialog(video)
    dialog.model.setCurrentText(str(outside))
    assert dialog.run_button.isEnabled()
    dialog.run_button.click()
    qtbot.waitUntil(lambda: bool(asked), timeout=30_000)
    wait_idle(qtbot, window)
    text = asked[0]
    assert "weights.pt" in text
    assert text.count("trust") == 1, text
    assert len(app.jobs.list(demo.alice)) == jobs_before  # declined: no job, nothing held
