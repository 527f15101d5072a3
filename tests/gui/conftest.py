"""GUI test fixtures: an in-memory keyring, a signed-in main window, and a check that no test
leaves a worker thread running (after napari's conftest)."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from gui_helpers import open_window
from keyring.backend import KeyringBackend
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication
from sql_guard import GuiThreadSqlGuard

from videolab.gui import main_thread_gc, workers
from videolab.gui.main_window import MainWindow
from videolab.gui.widgets import dialogs
from videolab.services.app import VideoLab


class MemoryKeyring(KeyringBackend):
    """A keyring that forgets everything when the test ends."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """The headless-Linux situation: keyring has no backend and raises NoKeyringError."""
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def gui_thread_gc(qapp: QApplication) -> Iterator[None]:
    """As in the app: cycles are collected on the GUI thread only, never in a pool thread."""
    main_thread_gc.install(qapp)
    try:
        yield
    finally:
        main_thread_gc.uninstall(qapp)  # the non-GUI tests after these run no event loop


@pytest.fixture(autouse=True)
def no_threads_left(qapp: QApplication, gui_thread_gc: None) -> Iterator[None]:
    """Fail a test that leaves pool threads running once its widgets are closed."""
    yield
    busy = [p.objectName() or "pool" for p in workers.all_pools() if p.activeThreadCount()]
    if QThreadPool.globalInstance().activeThreadCount():
        busy.append("global")
    # let the last queued signals land so the next test starts clean
    for _ in range(3):
        qapp.processEvents()
    assert not busy, f"test left threads running in: {', '.join(busy)}"


@pytest.fixture(autouse=True)
def no_sql_on_the_gui_thread(request: pytest.FixtureRequest) -> Iterator[GuiThreadSqlGuard]:
    """Fail a test during which GUI code ran an SQL statement on the GUI thread: every screen
    reaches the database through ``videolab.gui.ops``, off the GUI thread."""
    guard = GuiThreadSqlGuard().install()
    try:
        yield guard
    finally:
        guard.remove()
    if "allow_gui_thread_sql" not in request.keywords:
        assert not guard.hits, guard.report()


@pytest.fixture(autouse=True)
def confirm_yes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Confirmation boxes answer yes and record their text instead of blocking."""
    asked: list[str] = []

    def confirm(parent: object, title: str, text: str, *, action: str = "OK") -> bool:
        asked.append(text)
        return True

    monkeypatch.setattr(dialogs, "confirm", confirm)
    return asked


@pytest.fixture
def window(qtbot, app: VideoLab, demo) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    win = open_window(qtbot, app, demo.alice)
    yield win
    win.close()


@pytest.fixture
def admin_window(qtbot, app: VideoLab, demo) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    win = open_window(qtbot, app, demo.admin)
    yield win
    win.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "allow_gui_thread_sql: the test runs SQL on the GUI thread on purpose (the guard's own "
        "test)",
    )
