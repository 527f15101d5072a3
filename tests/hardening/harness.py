"""Shared machinery of the hardening tests and ``scripts/soak.py``.

Nothing here trusts the application to report on itself: ``audit`` opens the database file with
plain SQL (the same SQLite library the app uses) and checks the invariants a skeptic would:
integrity, complete content, balance = ledger, every video paid for exactly once, every job
settled exactly once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import random
import select
import shutil
import signal
import struct
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "videolab-demo"
ADMIN = "admin@example.com"
ALICE = "alice@example.com"
BOB = "bob@example.com"


def sqlite_module() -> Any:
    """The SQLite the app uses (pysqlite3's newer library when installed)."""
    try:
        from pysqlite3 import dbapi2  # type: ignore[import-not-found, unused-ignore]
    except ImportError:  # pragma: no cover
        import sqlite3 as dbapi2
    return dbapi2


def has_detection() -> tuple[bool, str]:
    """Whether detection jobs can run here: the pipeline module and the demo weights exist."""
    import importlib.util

    if importlib.util.find_spec("videolab.inference.pipeline") is None:
        return False, "videolab.inference.pipeline (run_detection) is not on main yet"
    from videolab.inference.models import DEMO_WEIGHTS

    if not DEMO_WEIGHTS.is_file():
        return False, f"the demo model {DEMO_WEIGHTS} is not built yet"
    return True, ""


# -- processes --------------------------------------------------------------------------------
def child_env(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["VIDEOLAB_HOME"] = str(home)
    env["VIDEOLAB_PASSWORD"] = PASSWORD
    env["YOLO_OFFLINE"] = "1"
    env["YOLO_AUTOINSTALL"] = "false"
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("VIDEOLAB_DB", None)
    env.update(extra)
    return env


def cli_args(db: Path | str, *args: str | bytes) -> list[str | bytes]:
    return [sys.executable, "-m", "videolab.cli", "--db", str(db), *args]


def run_cli(
    home: Path, db: Path | str, *args: str | bytes, user: str = ALICE, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_args(db, *args),
        env=child_env(home, VIDEOLAB_USER=user),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def worker_args(*args: str) -> list[str]:
    return [sys.executable, "-m", "tests.hardening.workers", *args]


def kill_hard(proc: subprocess.Popen[Any]) -> None:
    """SIGKILL and reap: the process gets no chance to clean anything up."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


class LineReader:
    """Read a child's stdout lines with a deadline (no thread, no blocking forever)."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        self.proc = proc
        self.fd = proc.stdout.fileno()
        self.buffer = b""
        self.lines: list[str] = []
        self.log: list[str] = []  # every line ever read, consumed or not

    def _fill(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return False
        data = os.read(self.fd, 65536)
        if not data:
            return False
        self.buffer += data
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            text = line.decode("utf-8", "replace")
            self.lines.append(text)
            self.log.append(text)
        return True

    def wait_for(self, prefix: str, timeout: float) -> str | None:
        """The first unread line starting with ``prefix``; None at EOF or deadline."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for i in range(seen, len(self.lines)):
                if self.lines[i].startswith(prefix):
                    line = self.lines[i]
                    del self.lines[: i + 1]
                    return line
            seen = len(self.lines)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if not self._fill(min(left, 0.05)) and self.proc.poll() is not None:
                # Drain what is left, then give up.
                while self._fill(0):
                    pass
                if not any(line.startswith(prefix) for line in self.lines[seen:]):
                    return None

    def drain(self) -> list[str]:
        while self._fill(0):
            pass
        lines, self.lines = self.lines, []
        return lines


# -- files ------------------------------------------------------------------------------------
class _Payload:
    """Unpickling this calls ``open(marker, "w")``: a file appears if the pickle is loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def evil_pt(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / "PWNED"
    weights = folder / "weights.pt"
    weights.write_bytes(pickle.dumps({"model": _Payload(marker)}))
    return weights, marker


def padded_copy(base: Path, out: Path, pad_bytes: int, *, rng: random.Random | None = None) -> Path:
    """``base`` followed by a top-level ISO-BMFF ``free`` box of random bytes.

    Players skip ``free`` boxes, so the copy decodes to exactly the frames of ``base``, but it
    is ``pad_bytes`` larger (a slow store phase) and has its own SHA-256.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(base, out)
    with open(out, "ab") as f:
        f.write(struct.pack(">I4s", pad_bytes + 8, b"free"))
        left = pad_bytes
        while left:
            n = min(left, 1 << 20)
            f.write(rng.randbytes(n) if rng is not None else os.urandom(n))
            left -= n
    return out


def decoded_frames(path: Path) -> int:
    """Frames FFmpeg decodes from ``path``, counted with PyAV directly (not the app's code):
    an independent count. The rule is VideoLab's: a packet that fails to decode costs its own
    frame, not the rest of the file (OpenCV's reader, the reference before, stopped there)."""
    import av

    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError, ValueError):
        return 0
    with container:
        if not container.streams.video:
            return 0
        codec = container.streams.video[0].codec_context
        count = 0
        try:
            for packet in container.demux(container.streams.video[0]):
                try:
                    count += len(codec.decode(packet))
                except av.FFmpegError:
                    continue
        except av.FFmpegError:  # a read error ends the file: what the decoder holds still counts
            with contextlib.suppress(av.FFmpegError):
                count += len(codec.decode(None))
        return count


# -- audit ------------------------------------------------------------------------------------
@dataclass
class Audit:
    integrity: str = ""
    users: int = 0
    videos: int = 0
    paid_videos: int = 0
    chunks: int = 0
    jobs: dict[str, int] = field(default_factory=dict)
    results: int = 0
    balances: dict[str, int] = field(default_factory=dict)
    refunds: int = 0
    problems: list[str] = field(default_factory=list)

    def check(self) -> Audit:
        assert not self.problems, "database audit failed:\n  " + "\n  ".join(self.problems)
        return self


@contextmanager
def raw_connect(db: Path) -> Iterator[Any]:
    conn = sqlite_module().connect(str(db), timeout=120)
    try:
        yield conn
    finally:
        conn.close()


def audit(db: Path, *, deep: bool = True, allow_unfinished_jobs: bool = False) -> Audit:
    """Check the database's invariants with plain SQL; ``deep`` re-hashes every content."""
    a = Audit()
    with raw_connect(db) as conn:
        q = conn.execute
        a.integrity = ";".join(r[0] for r in q("PRAGMA integrity_check").fetchall())
        if a.integrity != "ok":
            a.problems.append(f"integrity_check: {a.integrity}")
        fk = q("PRAGMA foreign_key_check").fetchall()
        if fk:
            a.problems.append(f"foreign_key_check: {fk[:5]}")

        # Balances: cached balance = ledger sum, never negative, and no row ever went negative.
        for uid, email, tokens in q("SELECT id, email, tokens FROM users").fetchall():
            a.users += 1
            total = q(
                "SELECT coalesce(sum(delta), 0) FROM credit_ledger WHERE user_id = ?", (uid,)
            ).fetchone()[0]
            a.balances[email] = tokens
            if tokens != total:
                a.problems.append(f"{email}: balance {tokens} != ledger sum {total}")
            if tokens < 0:
                a.problems.append(f"{email}: negative balance {tokens}")
        negative = q("SELECT count(*) FROM credit_ledger WHERE balance_after < 0").fetchone()[0]
        if negative:
            a.problems.append(f"{negative} ledger row(s) left a negative balance")
        _check_running_balances(q, a)

        # Videos: complete content, paid exactly once (seeded videos cost 0 and are not paid).
        for vid, name, size, sha, cost, frames in q(
            "SELECT id, name, size_bytes, sha256, cost, frame_count FROM videos"
        ).fetchall():
            a.videos += 1
            _check_content(q, a, "video_chunks", "video_id", vid, size, sha, name, deep)
            paid = q(
                "SELECT delta FROM credit_ledger WHERE video_id = ? AND reason = 'upload'", (vid,)
            ).fetchall()
            # An upload charges its packets; the frame check refunds those that do not decode.
            refunds = [d for (d,) in q(
                "SELECT delta FROM credit_ledger WHERE video_id = ? AND reason = 'upload_refund'",
                (vid,),
            ).fetchall()]
            if len(refunds) > 1 or any(d <= 0 for d in refunds):
                a.problems.append(f"video {name}: upload refunds {refunds}")
            if cost:
                a.paid_videos += 1
                if cost != frames:
                    a.problems.append(f"video {name}: cost {cost} != {frames} frames x 1")
                if len(paid) != 1 or -paid[0][0] - sum(refunds) != cost:
                    a.problems.append(
                        f"video {name}: upload charges {paid} and refunds {refunds}, "
                        f"expected a net {-cost}"
                    )
            elif paid:
                a.problems.append(f"seeded video {name} has upload charges {paid}")
        orphans = q(
            "SELECT count(*) FROM credit_ledger WHERE reason = 'upload' AND video_id IS NULL"
        ).fetchone()[0]
        if orphans:  # these tests delete no video, so every upload charge still has its video
            a.problems.append(f"{orphans} upload charge(s) without their video")
        a.chunks = q("SELECT count(*) FROM video_chunks").fetchone()[0]
        stray = q(
            "SELECT count(*) FROM video_chunks WHERE video_id NOT IN (SELECT id FROM videos)"
        ).fetchone()[0]
        if stray:
            a.problems.append(f"{stray} video chunk(s) without a video")

        # Jobs: settled exactly once; results complete and only for finished jobs.
        for jid, status, cost, charged, error in q(
            "SELECT id, status, cost, charged, error FROM inference_jobs"
        ).fetchall():
            a.jobs[status] = a.jobs.get(status, 0) + 1
            rows = q(
                "SELECT reason, delta FROM credit_ledger WHERE job_id = ?", (jid,)
            ).fetchall()
            holds = [d for r, d in rows if r == "job_hold"]
            refunds = [d for r, d in rows if r == "job_refund"]
            a.refunds += len(refunds)
            if holds != [-cost]:
                a.problems.append(f"job {jid}: holds {holds}, expected [-{cost}]")
            if len(refunds) > 1:
                a.problems.append(f"job {jid}: refunded {len(refunds)} times")
            if status in ("PENDING", "RUNNING"):
                if not allow_unfinished_jobs:
                    a.problems.append(f"job {jid} still {status}")
                if refunds:
                    a.problems.append(f"unfinished job {jid} already refunded")
                continue
            if charged is None or cost - sum(refunds) != charged:
                a.problems.append(
                    f"job {jid} {status}: cost {cost} - refunds {refunds} != charged {charged}"
                )
            if status == "FAILED" and (charged != 0 or not error):
                a.problems.append(f"failed job {jid} charged {charged}, reason {error!r}")
            if status == "COMPLETED" and refunds:
                a.problems.append(f"completed job {jid} refunded {refunds}")
        for rid, jid, size, sha in q(
            "SELECT id, job_id, zip_size, zip_sha256 FROM results"
        ).fetchall():
            a.results += 1
            status = q("SELECT status FROM inference_jobs WHERE id = ?", (jid,)).fetchone()
            if status is None or status[0] not in ("COMPLETED", "ABORTED"):
                a.problems.append(f"result {rid} belongs to a job that is {status}")
            _check_content(q, a, "result_chunks", "result_id", rid, size, sha, str(rid), deep)
        stray = q(
            "SELECT count(*) FROM result_chunks WHERE result_id NOT IN (SELECT id FROM results)"
        ).fetchone()[0]
        if stray:
            a.problems.append(f"{stray} result chunk(s) without a result")
    return a


def _check_running_balances(q: Any, a: Audit) -> None:
    """Each user's ledger rows, in order, add up to their ``balance_after``."""
    rows = q(
        "SELECT user_id, delta, balance_after FROM credit_ledger ORDER BY user_id, rowid"
    ).fetchall()
    running: dict[Any, int] = {}
    bad = 0
    for uid, delta, after in rows:
        running[uid] = running.get(uid, 0) + delta
        if running[uid] != after:
            bad += 1
    if bad:
        a.problems.append(f"{bad} ledger row(s) whose balance_after is not the running sum")


def _check_content(
    q: Any, a: Audit, table: str, key: str, owner: Any, size: int, sha: str | None, what: str,
    deep: bool,
) -> None:
    seqs = [
        s for (s,) in q(f"SELECT seq FROM {table} WHERE {key} = ? ORDER BY seq", (owner,))
    ]
    if seqs != list(range(len(seqs))):
        a.problems.append(f"{what}: chunk sequence has gaps ({len(seqs)} chunks)")
    total = q(
        f"SELECT coalesce(sum(length(data)), 0) FROM {table} WHERE {key} = ?", (owner,)
    ).fetchone()[0]
    if total != size:
        a.problems.append(f"{what}: {total} bytes stored, {size} recorded")
    if deep:
        digest = hashlib.sha256()
        for (data,) in q(f"SELECT data FROM {table} WHERE {key} = ? ORDER BY seq", (owner,)):
            digest.update(data)
        if digest.hexdigest() != sha:
            a.problems.append(f"{what}: content does not match its SHA-256")


def hex_id(value: uuid.UUID | str) -> str:
    """How SQLAlchemy's ``Uuid`` stores an id in SQLite (32 hex digits)."""
    return uuid.UUID(str(value)).hex


def video_names(db: Path) -> list[str]:
    with raw_connect(db) as conn:
        return sorted(n for (n,) in conn.execute("SELECT name FROM videos"))


def wal_size(db: Path) -> int:
    try:
        return os.path.getsize(f"{db}-wal")
    except OSError:
        return 0


def fmt_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))


def choose(rng: random.Random, items: Sequence[str]) -> str:
    return items[rng.randrange(len(items))]


# -- crash campaigns --------------------------------------------------------------------------
@dataclass
class KillStats:
    kills: int = 0
    phases: dict[str, int] = field(default_factory=dict)
    committed: int = 0
    seconds: float = 0.0

    def hit(self, phase: str) -> None:
        self.phases[phase] = self.phases.get(phase, 0) + 1
        self.kills += 1


def _balance(db: Path, email: str) -> int:
    with raw_connect(db) as conn:
        return int(conn.execute("SELECT tokens FROM users WHERE email = ?", (email,)).fetchone()[0])


def _write_chars(pid: int) -> int:
    import psutil

    try:
        return int(psutil.Process(pid).io_counters().write_chars)
    except (psutil.NoSuchProcess, psutil.AccessDenied, AttributeError):
        return -1


def upload_kill_round(
    db: Path,
    home: Path,
    clip: Path,
    scratch: Path,
    dataset: str,
    round_no: int,
    rng: random.Random,
    stats: KillStats,
    *,
    pad_kib: int = 4096,
    chunk_delay_ms: float = 25,
    user: str = ALICE,
) -> None:
    """One child uploading, SIGKILLed at a random point; then the database is audited.

    Three ways to choose the point: right after the child reports storing chunk k of a file
    (mid-transaction for sure), after a random delay (anywhere: start-up, probe, store,
    commit, between files), or, for a real ``videolab-cli videos upload``, when the process has
    written a random number of bytes (``/proc/PID/io``), which lands inside the store phase.
    """
    before = set(video_names(db))
    balance_before = _balance(db, user)
    mode = rng.choice(["store", "store", "delay", "cli"])
    prefix = f"r{round_no:03d}"
    in_flight: set[str]
    reported: set[str] = set()
    if mode == "cli":
        path = padded_copy(clip, scratch / f"{prefix}-cli.mp4", pad_kib * 1024, rng=rng)
        in_flight = {path.name}
        proc: subprocess.Popen[bytes] = subprocess.Popen(
            cli_args(db, "videos", "upload", dataset, str(path)),
            env=child_env(home, VIDEOLAB_USER=user), cwd=REPO,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        threshold = rng.randrange(96 * 1024, pad_kib * 1024)
        deadline = time.monotonic() + 60
        base = -1
        phase = "cli-timeout"
        while time.monotonic() < deadline:
            written = _write_chars(proc.pid)
            if proc.poll() is not None:
                phase = "cli-finished"
                break
            if base < 0 and written >= 0:
                base = written
            if base >= 0 and written - base >= threshold:
                phase = "cli-store"
                break
            time.sleep(0.0005)
        kill_hard(proc)
        out = proc.stdout.read().decode("utf-8", "replace") if proc.stdout else ""
        if "Uploaded" in out:
            reported = in_flight
    else:
        count = 2
        in_flight = {f"{prefix}-{i}.mp4" for i in range(count)}
        proc = subprocess.Popen(
            worker_args(
                "upload", "--db", str(db), "--user", user, "--dataset", dataset,
                "--clip", str(clip), "--scratch", str(scratch), "--prefix", prefix,
                "--count", str(count), "--pad-kib", str(pad_kib),
                "--chunk-delay-ms", str(chunk_delay_ms), "--seed", str(rng.randrange(1 << 30)),
            ),
            env=child_env(home), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        reader = LineReader(proc)  # type: ignore[arg-type]
        try:
            if reader.wait_for("ready", 120) is None:
                err = proc.stderr.read().decode() if proc.stderr and proc.poll() is not None else ""
                raise AssertionError(f"upload worker never got ready: {err[-2000:]}")
            if mode == "store":
                chunks = max(1, pad_kib // 1024)
                target_file = rng.randrange(count)
                for _ in range(target_file):
                    reader.wait_for("done", 60)
                k = rng.randrange(1, chunks + 1)
                for _ in range(k):
                    reader.wait_for("store", 60)
                time.sleep(rng.uniform(0, chunk_delay_ms / 1000))
            else:
                window = count * (pad_kib / 1024 + 1) * (chunk_delay_ms + 5) / 1000 + 0.1
                time.sleep(rng.uniform(0, window))
        finally:
            kill_hard(proc)
        reader.drain()
        lines = reader.log
        reported = {line.split()[1] for line in lines if line.startswith("done ")}
        last = next((ln.split()[0] for ln in reversed(lines) if ln.strip()), "ready")
        phase = {"ready": "before-store", "probe": "before-store", "store": "mid-store",
                 "done": "between-files", "finished": "after-all"}.get(last, last)
        if proc.stderr is not None:
            proc.stderr.close()
    if proc.stdout is not None:
        proc.stdout.close()
    stats.hit(phase)

    result = audit(db, deep=False)
    result.check()
    after = set(video_names(db))
    new = after - before
    assert before <= after, f"videos vanished after a kill: {before - after}"
    assert reported <= new, f"uploads reported done are missing: {reported - new}"
    assert new <= in_flight, f"unexpected videos appeared: {new - in_flight}"
    stats.committed += len(new)
    spent = balance_before - _balance(db, user)
    with raw_connect(db) as conn:
        costs = sum(
            conn.execute("SELECT cost FROM videos WHERE name = ?", (n,)).fetchone()[0] for n in new
        )
    assert spent == costs, f"balance moved by {spent} for {len(new)} new video(s) costing {costs}"


def run_upload_kills(
    db: Path,
    home: Path,
    clip: Path,
    scratch: Path,
    dataset: str,
    *,
    kills: int,
    seed: int,
    pad_kib: int = 4096,
    chunk_delay_ms: float = 25,
) -> KillStats:
    rng = random.Random(seed)
    stats = KillStats()
    started = time.monotonic()
    for round_no in range(kills):
        upload_kill_round(db, home, clip, scratch, dataset, round_no, rng, stats,
                          pad_kib=pad_kib, chunk_delay_ms=chunk_delay_ms)
        for leftover in scratch.glob(f"r{round_no:03d}-*"):
            leftover.unlink()
    stats.seconds = time.monotonic() - started
    return stats


def _jobs(db: Path) -> dict[str, tuple[str, str | None]]:
    with raw_connect(db) as conn:
        return {
            jid: (status, error)
            for jid, status, error in conn.execute("SELECT id, status, error FROM inference_jobs")
        }


def _job_progress(db: Path) -> tuple[str, int] | None:
    """(status, frames_processed) of the newest job, if any."""
    with raw_connect(db) as conn:
        row = conn.execute(
            "SELECT status, frames_processed FROM inference_jobs ORDER BY created_at DESC LIMIT 1"
        ).fetchone()
    return (str(row[0]), int(row[1])) if row else None


def job_kill_round(
    db: Path,
    home: Path,
    video_id: str,
    rng: random.Random,
    stats: KillStats,
    *,
    end: int,
    window_s: float,
    mode: str | None = None,
    user: str = ALICE,
) -> None:
    """``videolab-cli jobs run`` SIGKILLed at a random point, then three app starts.

    The point is a random delay after the start (anywhere: sign-in, accept, load, detect,
    store), or a random moment after the job is seen RUNNING with frames done. Afterwards the
    first start closes an interrupted job FAILED "interrupted" and refunds it once; the next
    two change nothing.
    """
    from videolab.services.app import VideoLab
    from videolab.services.job_settlement import INTERRUPTED

    known = _jobs(db)
    balance_before = _balance(db, user)
    mode = mode or rng.choice(["delay", "running"])
    proc: subprocess.Popen[bytes] = subprocess.Popen(
        cli_args(db, "jobs", "run", video_id, "--end", str(end), "--imgsz", "320",
                 "--device", "cpu"),
        env=child_env(home, VIDEOLAB_USER=user), cwd=REPO,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        if mode == "delay":
            time.sleep(rng.uniform(0, window_s))
            phase = "job-delay"
        else:
            deadline = time.monotonic() + 120
            phase = "job-finished-first"
            while time.monotonic() < deadline and proc.poll() is None:
                progress = _job_progress(db) if len(_jobs(db)) > len(known) else None
                if progress and progress[0] == "RUNNING" and progress[1] > 0:
                    time.sleep(rng.uniform(0, 1.0))
                    phase = "job-running"
                    break
                time.sleep(0.02)
    finally:
        kill_hard(proc)
    new = {j: v for j, v in _jobs(db).items() if j not in known}
    if new:
        status = next(iter(new.values()))[0]
        phase = f"{phase}:{status.lower()}"
    stats.hit(phase)
    audit(db, deep=False, allow_unfinished_jobs=True).check()

    refunds: list[int] = []
    balances: list[int] = []
    for _ in range(3):
        with VideoLab.open(str(db)):
            pass
        result = audit(db, deep=False).check()
        refunds.append(result.refunds)
        balances.append(result.balances[user])
    assert refunds[0] == refunds[1] == refunds[2], f"refunds across starts: {refunds}"
    assert balances[0] == balances[1] == balances[2], f"balances across starts: {balances}"
    after = _jobs(db)
    for jid in new:
        status, error = after[jid]
        if status == "FAILED":
            assert error == INTERRUPTED, error
            assert balances[0] == balance_before, "an interrupted job was not fully refunded"
        else:
            assert status == "COMPLETED", (status, error)
            stats.committed += 1
    if not new:
        assert balances[0] == balance_before


def cli_upload(
    db: Path, home: Path, dataset: str, paths: Sequence[Path], *, user: str = ALICE,
    timeout: float = 300,
) -> tuple[int, list[dict[str, Any]] | None, str]:
    """Upload ``paths`` in one real ``videolab-cli --json videos upload`` process.

    Returns the exit code (negative: killed by a signal, i.e. crashed), the per-file JSON
    results, and stderr. A hang past ``timeout`` raises ``subprocess.TimeoutExpired``.
    """
    import json

    args = cli_args(db, "--json", "videos", "upload", dataset, *[os.fsencode(p) for p in paths])
    done = subprocess.run(args, env=child_env(home, VIDEOLAB_USER=user), cwd=REPO,
                          capture_output=True, timeout=timeout, check=False)
    stderr = done.stderr.decode("utf-8", "replace")
    try:
        results = json.loads(done.stdout)
    except ValueError:
        results = None
    return done.returncode, results, stderr
