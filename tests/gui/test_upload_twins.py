"""The same file uploaded into a second dataset is named, and the user asked, before it is
charged again; the queue's Cancel button is enabled only while something runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import copy_clip, drop_files, wait_idle
from test_datasets_videos import create_dataset

from videolab.gui.controllers.uploads import CANCELLED, DONE
from videolab.gui.main_window import MainWindow
from videolab.gui.widgets import dialogs


class Asked(list[str]):
    """The questions asked; each is answered with the next of ``answers``."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[bool] = []

    def confirm(self, parent: object, title: str, text: str, *, action: str = "OK") -> bool:
        self.append(text)
        return self.answers.pop(0)


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> Asked:
    log = Asked()
    monkeypatch.setattr(dialogs, "confirm", log.confirm)
    return log


def test_the_same_file_in_another_dataset_is_asked_about_before_charging(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, make_clip, tmp_path: Path, asked
) -> None:
    clip = make_clip(seed=21, frames=16)
    first = copy_clip(clip.path, tmp_path / "a", "street.mp4")
    again = copy_clip(clip.path, tmp_path / "b", "street-copy.mp4")  # same bytes, other name
    assert not window.videos.cancel_uploads.isEnabled()  # nothing to cancel yet

    create_dataset(qtbot, window, "Streets")
    # by id alone (a drop on a dataset row): the queue still learns the dataset's name
    window.uploads.upload(window.datasets.current().id, [str(first)])
    wait_idle(qtbot, window)
    assert asked == []  # a new file: no question
    assert next(iter(window.uploads.items.values())).dataset_name == "Streets"
    after_first = window.session.user.tokens_milli

    # into a second dataset: named, asked, declined -> nothing stored or charged
    create_dataset(qtbot, window, "Traffic")
    asked.answers.append(False)
    drop_files(window, [again])
    wait_idle(qtbot, window)
    text = asked[0]
    assert "street-copy.mp4 is already stored in dataset 'Streets' as 'street.mp4'" in text
    assert "into 'Traffic'" in text and "0.016 tokens again" in text
    item = next(i for i in window.uploads.items.values() if i.name == "street-copy.mp4")
    assert item.state == CANCELLED and "nothing was charged" in item.message
    assert item.dataset_name == "Traffic"  # the queue's Dataset column
    assert window.session.user.tokens_milli == after_first
    assert window.videos.model.rowCount() == 0
    assert not window.videos.cancel_uploads.isEnabled()  # the queue is idle again
    assert not window.uploads.busy

    # accepted -> stored and charged again
    asked.answers.append(True)
    with qtbot.waitSignal(window.uploads.uploaded, timeout=30_000):
        drop_files(window, [again])
    wait_idle(qtbot, window)
    assert len(asked) == 2
    assert window.session.user.tokens_milli == after_first - 16
    assert [v.name for v in window.videos.model.rows()] == ["street-copy.mp4"]
    states = [i.state for i in window.uploads.items.values() if i.name == "street-copy.mp4"]
    assert DONE in states
    assert not window.videos.cancel_uploads.isEnabled()


def test_another_file_of_the_same_size_is_not_asked_about(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, make_clip, tmp_path: Path, asked
) -> None:
    clip = make_clip(seed=22, frames=8)
    create_dataset(qtbot, window, "One")
    drop_files(window, [copy_clip(clip.path, tmp_path / "a", "x.mp4")])
    wait_idle(qtbot, window)
    other = tmp_path / "b" / "y.mp4"
    other.parent.mkdir()
    data = bytearray(clip.path.read_bytes())
    data[-1] ^= 0xFF  # same size, other content (the last byte of the index)
    other.write_bytes(bytes(data))
    create_dataset(qtbot, window, "Two")
    drop_files(window, [other])
    wait_idle(qtbot, window)
    assert asked == []
