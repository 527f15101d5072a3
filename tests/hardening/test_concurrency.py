"""Many threads and several processes on one account at once: every operation completes or is
refused cleanly, the balance never goes negative and always equals the ledger, and no
"database is locked" reaches anyone (writers wait their turn)."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.hardening.conftest import Lab
from tests.hardening.harness import audit, has_detection, raw_connect
from tests.hardening.workers import hammer
from videolab.db.engine import BUSY_TIMEOUT_MS, Database
from videolab.services.app import VideoLab

THREADS = 12
PROCESSES = 3
OPERATIONS = 8  # per thread or process


@pytest.mark.timeout(600)
def test_threads_and_processes_on_one_account(lab: Lab, small_clip: Path,
                                              tmp_path: Path) -> None:
    tally, carol, seconds = hammer(lab, small_clip, tmp_path, threads=THREADS,
                                   processes=PROCESSES, operations=OPERATIONS)
    assert tally.unexpected == [], "\n".join(tally.unexpected)
    total = sum(tally.ok.values()) + sum(tally.refused.values())
    assert total == (THREADS + PROCESSES) * OPERATIONS
    # The balance ran out at times: refusals happened, and they were clean.
    assert tally.ok["upload"] > 0 and tally.ok["recharge"] > 0

    result = audit(lab.db, deep=True).check()
    balance = lab.app.credits.balance(carol)
    assert balance == lab.app.credits.ledger_sum(carol.id) == result.balances[carol.email]
    with raw_connect(lab.db) as conn:
        recharged = conn.execute(
            "SELECT coalesce(sum(delta), 0) FROM credit_ledger WHERE user_id = ? AND "
            "reason = 'recharge'", (carol.id.hex,)).fetchone()[0]
        uploads = conn.execute(
            "SELECT count(*) FROM credit_ledger WHERE user_id = ? AND reason = 'upload'",
            (carol.id.hex,)).fetchone()[0]
    assert recharged == tally.recharged_milli
    assert uploads == tally.ok["upload"] + (1 if has_detection()[0] else 0)
    print(f"\n{THREADS} threads + {PROCESSES} processes x {OPERATIONS} ops in {seconds:.1f} s: "
          f"ok {dict(tally.ok)}, refused {dict(tally.refused)}")


def test_pool_waits_as_long_as_the_write_lock(tmp_path: Path) -> None:
    """A thread waiting for a pooled connection must not give up before one waiting for the
    write lock would: otherwise a queue of writers surfaces as a pool timeout error."""
    db = Database(f"sqlite:///{tmp_path / 'pool.db'}")
    try:
        assert db.engine.pool.timeout() >= BUSY_TIMEOUT_MS / 1000  # type: ignore[attr-defined]
    finally:
        db.dispose()


@pytest.mark.timeout(120)
def test_a_reader_is_not_starved_by_queued_writers(lab: Lab) -> None:
    """WAL lets readers run while a writer holds the lock; writers queued for that lock must
    not use up the connection pool and make a plain read wait behind them."""
    outside = raw_connect(lab.db)
    conn = outside.__enter__()
    conn.isolation_level = None
    conn.execute("BEGIN IMMEDIATE")  # another process's long upload holds the write lock
    errors: list[BaseException] = []

    def recharge() -> None:
        try:
            lab.app.credits.recharge(lab.admin, lab.alice.email, 1)
        except BaseException as exc:  # reported below
            errors.append(exc)

    writers = [threading.Thread(target=recharge) for _ in range(24)]
    try:
        for w in writers:
            w.start()
        time.sleep(1.0)  # all of them are now waiting for the write lock
        t0 = time.monotonic()
        balance = lab.app.credits.balance(lab.alice)
        waited = time.monotonic() - t0
        assert waited < 1.0, f"a read waited {waited:.1f} s behind queued writers"
    finally:
        conn.execute("ROLLBACK")
        outside.__exit__(None, None, None)
        for w in writers:
            w.join(timeout=60)
    assert errors == []
    assert lab.app.credits.balance(lab.alice) == balance + 24


@pytest.mark.timeout(300)
def test_several_processes_starting_on_a_new_database_at_once(home: Path,
                                                              tmp_path: Path) -> None:
    """The first start creates the schema; several starting together must queue for that
    (a GUI and a CLI opened at once), not fail with "database is locked"."""
    from tests.hardening.harness import REPO, child_env, cli_args

    for attempt in range(3):
        db = tmp_path / f"new-{attempt}.db"
        procs = [subprocess.Popen(cli_args(db, "init"), env=child_env(home), cwd=REPO,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(6)]
        outcomes = [(p.wait(timeout=240), p.communicate()[1]) for p in procs]
        failures = [err for code, err in outcomes if code != 0]
        assert failures == [], failures[0]
        audit(db).check()
        with VideoLab.open(str(db)) as app:
            assert app.schema_is_current()


def test_a_writer_that_waits_too_long_gets_a_clear_message(lab: Lab) -> None:
    """Writers wait their turn (two minutes); past that the person reads why, never SQLite's
    "database is locked"."""
    from sqlalchemy import event

    from videolab.domain.errors import Unavailable

    @event.listens_for(lab.app.db.engine, "connect")
    def _short_wait(dbapi_conn: object, _record: object) -> None:
        dbapi_conn.execute("PRAGMA busy_timeout=300")  # type: ignore[attr-defined]

    lab.app.db.engine.dispose()
    balance = lab.app.credits.balance(lab.alice)
    with raw_connect(lab.db) as conn:
        conn.isolation_level = None
        conn.execute("BEGIN IMMEDIATE")  # a long write elsewhere
        try:
            with pytest.raises(Unavailable) as refused:
                lab.app.credits.recharge(lab.admin, lab.alice.email, 5)
        finally:
            conn.execute("ROLLBACK")
    assert "locked" not in refused.value.message and "busy" in refused.value.message
    assert lab.app.credits.balance(lab.alice) == balance
    lab.app.credits.recharge(lab.admin, lab.alice.email, 5)  # fine once the lock is free
    assert lab.app.credits.balance(lab.alice) == balance + 5
