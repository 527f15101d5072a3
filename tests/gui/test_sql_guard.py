"""The guard that fails GUI tests running SQL on the GUI thread can itself fail."""

from __future__ import annotations

import threading

import pytest
from sql_guard import GUI_DIR, GuiThreadSqlGuard

from videolab.services.app import VideoLab


def gui_function(source: str, name: str):  # type: ignore[no-untyped-def]
    """A function whose code says it lives under videolab/gui/, as a panel's method does."""
    namespace: dict[str, object] = {}
    exec(compile(source, f"{GUI_DIR}/pretend_panel.py", "exec"), namespace)
    return namespace[name]


@pytest.mark.allow_gui_thread_sql
def test_sql_from_gui_code_on_the_gui_thread_is_caught(app: VideoLab, demo) -> None:  # type: ignore[no-untyped-def]
    reload = gui_function(
        "def reload(app, user):\n    return app.datasets.list(user)\n", "reload"
    )
    guard = GuiThreadSqlGuard().install()
    try:
        app.datasets.list(demo.alice)  # a test's own setup: not GUI code
        assert guard.hits == []
        worker = threading.Thread(target=reload, args=(app, demo.alice))
        worker.start()
        worker.join()
        assert guard.hits == []  # GUI code, but off the GUI thread: what ops does
        reload(app, demo.alice)
    finally:
        guard.remove()
    assert guard.hits
    assert guard.hits[0][0].startswith("pretend_panel.py:2")
    assert "pretend_panel.py:2" in guard.report()
