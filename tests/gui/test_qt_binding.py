"""The installed Qt binding keeps CPython's reference counts straight.

PySide6 6.12.0 returns ``True`` from ``SignalInstance.emit()`` and ``connect()`` without
taking a reference for it. On Python 3.11, where ``True`` is not immortal, every call takes one
reference away until the interpreter aborts ("bool_dealloc: deallocating True or False"); a
desktop app that reports progress ten times a second gets there within a long job.
pyproject.toml excludes that release; this test catches a release that brings the bug back.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

#: Few enough that a broken binding fails this test instead of aborting the whole run.
CALLS = 40


class _Emitter(QObject):
    plain = Signal()
    carrying = Signal(object)


def _true_refs() -> int:
    return sys.getrefcount(True)


def test_emitting_signals_leaves_the_reference_count_of_true_alone(qapp) -> None:  # type: ignore[no-untyped-def]
    emitter = _Emitter()
    received: list[object] = []
    emitter.carrying.connect(received.append)
    before = _true_refs()
    for i in range(CALLS):
        emitter.plain.emit()
        emitter.carrying.emit(i)
    assert len(received) == CALLS
    # A few references may come and go elsewhere; the bug removes one per call.
    assert _true_refs() - before > -CALLS // 4


def test_connecting_slots_leaves_the_reference_count_of_true_alone(qapp) -> None:  # type: ignore[no-untyped-def]
    emitter = _Emitter()

    def slot() -> None:
        pass

    before = _true_refs()
    for _ in range(CALLS):
        emitter.plain.connect(slot)
        emitter.plain.disconnect(slot)
    assert _true_refs() - before > -CALLS // 4
