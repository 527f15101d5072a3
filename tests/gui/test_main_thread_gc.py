"""Cycles holding Qt objects are collected on the GUI thread, never in a pool thread.

CI once died with a segmentation fault while CPython collected garbage inside a sign-in
worker: a cycle with a GUI-thread ``QObject`` in it was destroyed from the pool thread.
"""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from videolab.gui import main_thread_gc


class _Cycle:
    """An object that only the cyclic collector can free, holding a GUI-thread QObject."""

    def __init__(self) -> None:
        self.itself = self
        self.qobject = QObject()


def _allocate_in_a_thread() -> None:
    """Allocate enough containers in a pool-like thread to cross every gc threshold."""

    def churn() -> None:
        keep = [[i] for i in range(200_000)]
        del keep

    thread = threading.Thread(target=churn, name="pool-like")
    thread.start()
    thread.join()


def _drop_a_cycle_then_allocate_in_a_thread() -> list[str]:
    """Orphan a cycle holding a QObject, then churn in a thread; returns where it was freed."""
    gc.collect()
    freed_in: list[str] = []
    cycle = _Cycle()
    weakref.finalize(cycle, lambda: freed_in.append(threading.current_thread().name))
    del cycle
    _allocate_in_a_thread()
    return freed_in


def test_a_cycle_dropped_while_a_worker_allocates_dies_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    assert not gc.isenabled(), "the GUI fixture installs the collector, as the app does"
    freed_in = _drop_a_cycle_then_allocate_in_a_thread()
    assert freed_in == [], "nothing may collect the cycle outside the GUI thread"

    qtbot.waitUntil(lambda: bool(freed_in), timeout=5000)
    assert freed_in == [threading.main_thread().name]


def test_without_the_collector_a_worker_would_collect_it(qapp: QApplication) -> None:
    """The hazard is real: with CPython's automatic collection the pool thread frees the cycle."""
    main_thread_gc.uninstall(qapp)
    assert gc.isenabled()
    assert _drop_a_cycle_then_allocate_in_a_thread() == ["pool-like"]


def test_uninstall_gives_the_collector_back_and_install_is_idempotent(qapp: QApplication) -> None:
    first = main_thread_gc.install(qapp)
    assert main_thread_gc.install(qapp) is first
    assert not gc.isenabled()
    main_thread_gc.uninstall(qapp)
    assert gc.isenabled()
    assert qapp.findChildren(main_thread_gc.MainThreadGarbageCollector) == []
