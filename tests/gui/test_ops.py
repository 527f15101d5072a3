"""The operation API: queues that never wait for each other, changes announced after a write
commits, one error path, and stale answers dropped."""

from __future__ import annotations

import threading

import pytest

from videolab.domain.errors import InvalidInput
from videolab.gui.changes import Change
from videolab.gui.ops import Latest, Operations, Queue
from videolab.gui.workers import Executor


@pytest.fixture
def ops(qtbot):  # type: ignore[no-untyped-def]
    executor = Executor()
    reported: list[tuple[str, str]] = []
    operations = Operations(executor, lambda exc, context: reported.append((context, str(exc))))
    operations.reported = reported  # type: ignore[attr-defined]
    yield operations
    assert executor.shutdown(timeout_ms=10_000)


def test_a_long_file_operation_never_holds_up_a_write_or_a_query(qtbot, ops: Operations) -> None:  # type: ignore[no-untyped-def]
    """Two multi-minute decodes fill the file queue; a rename and a list still run at once."""
    gate = threading.Event()
    started = threading.Semaphore(0)

    def decode(cancel: threading.Event) -> str:
        started.release()
        gate.wait(30)
        return "decoded"

    done: list[str] = []
    for _ in range(2):
        ops.long(decode, success=done.append)
    assert started.acquire(timeout=5) and started.acquire(timeout=5)
    ops.write(lambda: "renamed", changes=Change.DATASETS, success=done.append)
    ops.query(lambda: "listed", success=done.append)
    qtbot.waitUntil(lambda: sorted(done) == ["listed", "renamed"], timeout=5000)
    gate.set()
    qtbot.waitUntil(lambda: not ops.busy, timeout=10_000)
    assert sorted(done) == ["decoded", "decoded", "listed", "renamed"]


def test_a_write_announces_what_it_changed_after_success(qtbot, ops: Operations) -> None:  # type: ignore[no-untyped-def]
    events: list[object] = []
    ops.changed.connect(lambda changes: events.append(changes))
    ops.write(
        lambda: "ok", changes=Change.VIDEOS | Change.BALANCE,
        success=lambda v: events.append(f"success {v}"),
    )
    qtbot.waitUntil(lambda: not ops.busy, timeout=5000)
    assert events == ["success ok", Change.VIDEOS | Change.BALANCE]


def test_a_failed_write_changes_nothing_and_its_error_takes_the_one_path(  # type: ignore[no-untyped-def]
    qtbot, ops: Operations
) -> None:
    events: list[object] = []
    ops.changed.connect(events.append)

    def refused() -> None:
        raise InvalidInput("That name is taken.")

    ops.write(refused, changes=Change.DATASETS, context="Rename")
    qtbot.waitUntil(lambda: not ops.busy, timeout=5000)
    assert events == []
    assert ops.reported == [("Rename", "That name is taken.")]  # type: ignore[attr-defined]


def test_only_the_newest_answer_lands(qtbot, ops: Operations) -> None:  # type: ignore[no-untyped-def]
    """The person clicked dataset A, then B; A's answer arrives last and is not shown."""
    latest: Latest[str] = Latest(ops)
    release_a = threading.Event()
    shown: list[str] = []

    def videos_of(name: str) -> str:
        if name == "A":
            release_a.wait(30)
        return f"videos of {name}"

    latest.run(videos_of, "A", success=shown.append)
    latest.run(videos_of, "B", success=shown.append)
    qtbot.waitUntil(lambda: shown == ["videos of B"], timeout=5000)
    assert not latest.pending
    release_a.set()
    qtbot.waitUntil(lambda: not ops.busy, timeout=5000)
    assert shown == ["videos of B"]
    assert latest.dropped == 1


def test_a_superseded_long_operation_is_cancelled(qtbot, ops: Operations) -> None:  # type: ignore[no-untyped-def]
    latest: Latest[str] = Latest(ops, Queue.FILE)
    stopped = threading.Event()

    def thumbnails(cancel: threading.Event) -> str:
        if cancel.wait(30):
            stopped.set()
        return "stale"

    shown: list[str] = []
    latest.run(thumbnails, success=shown.append)
    latest.run(lambda: "fresh", success=shown.append)
    qtbot.waitUntil(lambda: not ops.busy, timeout=5000)
    assert stopped.is_set()
    assert shown == ["fresh"]


def test_a_stale_error_is_dropped_too(qtbot, ops: Operations) -> None:  # type: ignore[no-untyped-def]
    latest: Latest[str] = Latest(ops)
    gate = threading.Event()

    def fails_late() -> str:
        gate.wait(30)
        raise InvalidInput("about a dataset nobody looks at any more")

    latest.run(fails_late, success=lambda _v: None)
    latest.run(lambda: "ok", success=lambda _v: None)
    gate.set()
    qtbot.waitUntil(lambda: not ops.busy, timeout=5000)
    assert ops.reported == []  # type: ignore[attr-defined]
