"""The worker base: results reach the GUI thread, and a finished worker is let go."""

from __future__ import annotations

import gc
import threading
import weakref

from videolab.gui.workers import Executor


def test_results_and_errors_arrive_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    executor = Executor()
    seen: list[tuple[str, object, str]] = []

    def ok() -> int:
        return 7

    def boom() -> None:
        raise ValueError("bad input")

    gui = threading.current_thread().name
    executor.read(
        ok, on_result=lambda v: seen.append(("result", v, threading.current_thread().name))
    )
    executor.read(
        boom, on_error=lambda e: seen.append(("error", str(e), threading.current_thread().name))
    )
    qtbot.waitUntil(lambda: len(seen) == 2 and not executor.busy, timeout=5000)
    assert sorted(seen) == [("error", "bad input", gui), ("result", 7, gui)]
    assert executor.shutdown()


def test_finished_workers_and_what_they_hold_are_released(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A session starts thousands of workers; none may stay in memory once finished."""
    executor = Executor()

    class Payload:
        """Stands for what a worker's callbacks hold on to (a model, a frame, a widget)."""

    payloads: list[weakref.ref[Payload]] = []
    workers: list[weakref.ref[object]] = []
    for i in range(30):
        payload = Payload()
        payloads.append(weakref.ref(payload))

        def task(progress, cancel, held: Payload = payload, step: int = i) -> int:  # type: ignore[no-untyped-def]
            progress(step, force=True)
            return id(held)

        worker = executor.read(task, on_result=lambda _v, held=payload: held)
        workers.append(weakref.ref(worker))
        del payload, worker, task
    qtbot.waitUntil(lambda: not executor.busy, timeout=10_000)
    gc.collect()

    assert [w for w in workers if w() is not None] == []
    assert [p for p in payloads if p() is not None] == []
    assert executor.running() == []
    assert executor.shutdown()


def test_shutdown_lets_go_of_workers_that_never_started(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Closing a window with writes still queued: the queued ones never run, and neither
    they nor what their callbacks hold stay in memory with the executor."""
    executor = Executor()
    running = threading.Event()

    def blocking(cancel: threading.Event) -> str:
        running.set()
        cancel.wait(10)
        return "stopped"

    class Payload:
        pass

    calls: list[str] = []
    first = executor.write(blocking, on_finished=lambda: calls.append("first finished"))
    payload = Payload()
    held = weakref.ref(payload)
    queued = executor.write(
        lambda: calls.append("queued ran"),
        on_result=lambda _v, p=payload: calls.append(f"queued result {p}"),
        on_finished=lambda: calls.append("queued finished"),
    )
    queued_ref = weakref.ref(queued)
    del payload, queued
    assert running.wait(5)

    assert executor.shutdown(timeout_ms=10_000)
    assert first.cancelled and first.started
    qtbot.waitUntil(lambda: calls == ["first finished"], timeout=5000)
    gc.collect()
    assert queued_ref() is None
    assert held() is None
    assert not executor.busy
    qtbot.wait(50)
    assert calls == ["first finished"]  # the queued worker's callbacks were never called
