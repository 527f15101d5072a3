"""Child processes of the hardening tests: ``python -m tests.hardening.workers MODE ...``.

``upload``  uploads padded copies of a clip one after another, announcing each phase on stdout
            ("ready", "store BYTES", "done NAME") so the parent can SIGKILL it at a chosen point.
``mixed``   runs random operations (uploads, recharges, jobs, reads) against one user and
            prints a JSON summary: what completed, what was refused, and anything unexpected.
``job``     creates and runs one detection job, announcing "job ID" and each progress step.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.hardening.harness import (
    ADMIN,
    PASSWORD,
    REPO,
    LineReader,
    child_env,
    has_detection,
    padded_copy,
    worker_args,
)
from videolab.domain.dto import UserDTO
from videolab.domain.errors import InsufficientCredits, VideoLabError
from videolab.services.app import VideoLab

#: What may legitimately refuse an operation under contention; anything else is a failure.
CLEAN_REFUSALS: tuple[type[VideoLabError], ...] = (InsufficientCredits,)


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@dataclass
class Tally:
    ok: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    uploaded: list[str] = field(default_factory=list)
    recharged_milli: int = 0
    lock = threading.Lock()

    def merge(self, other: dict[str, Any]) -> None:
        with self.lock:
            self.ok.update(other["ok"])
            self.refused.update(other["refused"])
            self.unexpected.extend(other["unexpected"])
            self.uploaded.extend(other["uploaded"])
            self.recharged_milli += other["recharged_milli"]

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": dict(self.ok),
            "refused": dict(self.refused),
            "unexpected": self.unexpected,
            "uploaded": self.uploaded,
            "recharged_milli": self.recharged_milli,
        }


class Operator:
    """Random operations of one actor against a shared database, each tallied."""

    def __init__(
        self,
        app: VideoLab,
        user: UserDTO,
        admin: UserDTO,
        dataset_id: uuid.UUID,
        base_clip: Path,
        scratch: Path,
        tag: str,
        *,
        jobs: bool,
        video_for_jobs: uuid.UUID | None = None,
        seed: int = 0,
    ) -> None:
        self.app = app
        self.user = user
        self.admin = admin
        self.dataset_id = dataset_id
        self.base_clip = base_clip
        self.scratch = scratch
        self.tag = tag
        self.jobs = jobs and video_for_jobs is not None
        self.video_for_jobs = video_for_jobs
        self.rng = random.Random(seed)
        self.tally = Tally()
        self.n = 0

    def run(self, operations: int) -> Tally:
        kinds = ["upload", "upload", "recharge", "read"] + (["job"] if self.jobs else [])
        for _ in range(operations):
            kind = kinds[self.rng.randrange(len(kinds))]
            self.one(kind)
        return self.tally

    def one(self, kind: str) -> None:
        self.n += 1
        try:
            getattr(self, f"op_{kind}")()
        except CLEAN_REFUSALS as exc:
            with self.tally.lock:
                self.tally.refused[kind] += 1
            if "database" in exc.message.lower():
                self.tally.unexpected.append(f"{kind}: {exc.message}")
            return
        except Exception as exc:
            with self.tally.lock:
                self.tally.unexpected.append(
                    f"{kind}: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}"
                )
            return
        with self.tally.lock:
            self.tally.ok[kind] += 1

    def op_upload(self) -> None:
        name = f"{self.tag}-{self.n}.mp4"
        path = padded_copy(self.base_clip, self.scratch / name, 512 + self.rng.randrange(4096))
        try:
            video = self.app.videos.upload(self.user, self.dataset_id, path)
        finally:
            path.unlink(missing_ok=True)
        with self.tally.lock:
            self.tally.uploaded.append(video.name)

    def op_recharge(self) -> None:
        milli = self.rng.randrange(1, 60)
        self.app.credits.recharge(self.admin, self.user.email, milli, note=f"{self.tag}")
        with self.tally.lock:
            self.tally.recharged_milli += milli

    def op_read(self) -> None:
        balance = self.app.credits.balance(self.user)
        if balance < 0:
            raise AssertionError(f"negative balance {balance}")
        self.app.videos.list(self.user, self.dataset_id)

    def op_job(self) -> None:
        from videolab.domain.enums import JobStatus
        from videolab.domain.params import DetectionParams

        assert self.video_for_jobs is not None
        params = DetectionParams(end=2 + self.rng.randrange(3), imgsz=160, device="cpu")
        job = self.app.jobs.create(self.user, self.video_for_jobs, params)
        done = self.app.jobs.run(self.user, job.id)
        if done.status is not JobStatus.COMPLETED:
            raise AssertionError(f"job ended {done.status}: {done.error}")


# -- many at once -----------------------------------------------------------------------------
def _carol(lab: Any, milli: int) -> UserDTO:
    """A fresh account with a small balance, so that some operations must be refused."""
    lab.app.users.create(lab.admin, "carol@example.com", PASSWORD, "user", milli)
    return lab.app.auth.login("carol@example.com", PASSWORD).user


def hammer(
    lab: Any, clip: Path, tmp_path: Path, *, threads: int, processes: int, operations: int,
    start_milli: int = 300, seed: int = 0,
) -> tuple[Tally, UserDTO, float]:
    """Run ``threads`` operators in this process and ``processes`` worker processes at once."""
    carol = _carol(lab, start_milli)
    dataset = lab.app.datasets.create(carol, "contention")
    jobs_ok, _ = has_detection()
    video_for_jobs = None
    if jobs_ok:
        video_for_jobs = lab.app.videos.upload(carol, dataset.id, clip, name="for-jobs.mp4").id
    tally = Tally()
    started = time.monotonic()
    procs = []
    for p in range(processes):
        scratch = tmp_path / f"proc{p}"
        scratch.mkdir()
        args = ["mixed", "--db", str(lab.db), "--user", carol.email, "--dataset",
                str(dataset.id), "--clip", str(clip), "--tag", f"p{p}", "--operations",
                str(operations), "--seed", str(seed * 1000 + p)]
        if video_for_jobs is not None:
            args += ["--jobs", "--video", str(video_for_jobs)]
        procs.append(subprocess.Popen(worker_args(*args), env=child_env(lab.home), cwd=REPO,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    barrier = threading.Barrier(threads)

    def thread_main(i: int) -> None:
        scratch = tmp_path / f"thread{i}"
        scratch.mkdir()
        op = Operator(lab.app, carol, lab.admin, dataset.id, clip, scratch, f"t{i}",
                      jobs=jobs_ok, video_for_jobs=video_for_jobs, seed=seed * 1000 + 100 + i)
        barrier.wait()
        tally.merge(op.run(operations).as_json())

    workers = [threading.Thread(target=thread_main, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=600)
        assert not w.is_alive(), "a thread never finished"
    for proc in procs:
        reader = LineReader(proc)  # type: ignore[arg-type]
        line = reader.wait_for("result ", 600)
        proc.wait(timeout=60)
        err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        assert line is not None, f"worker failed (exit {proc.returncode}): {err[-3000:]}"
        tally.merge(json.loads(line.removeprefix("result ")))
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    return tally, carol, time.monotonic() - started



# -- modes ------------------------------------------------------------------------------------
def mode_upload(args: argparse.Namespace) -> int:
    """Upload ``count`` padded copies of ``clip``, slowly enough to be killed in the middle."""
    scratch = Path(args.scratch)
    rng = random.Random(args.seed)
    files = [
        padded_copy(Path(args.clip), scratch / f"{args.prefix}-{i}.mp4", args.pad_kib * 1024,
                    rng=rng)
        for i in range(args.count)
    ]
    with VideoLab.open(args.db) as app:
        user = app.auth.login(args.user, PASSWORD).user
        dataset = app.datasets.resolve(user, args.dataset)
        say("ready")
        for path in files:
            say(f"probe {path.name}")

            def progress(done: int, total: int, phase: str) -> None:
                if phase == "store":
                    say(f"store {done} {total}")
                    if args.chunk_delay_ms:
                        time.sleep(args.chunk_delay_ms / 1000)

            video = app.videos.upload(user, dataset.id, path, progress=progress)
            say(f"done {video.name} {video.id}")
    say("finished")
    return 0


def mode_mixed(args: argparse.Namespace) -> int:
    with VideoLab.open(args.db) as app:
        user = app.auth.login(args.user, PASSWORD).user
        admin = app.auth.login(ADMIN, PASSWORD).user
        with tempfile.TemporaryDirectory(prefix="videolab-worker-") as tmp:
            op = Operator(
                app, user, admin, uuid.UUID(args.dataset), Path(args.clip), Path(tmp), args.tag,
                jobs=args.jobs, video_for_jobs=uuid.UUID(args.video) if args.video else None,
                seed=args.seed,
            )
            say("ready")
            tally = op.run(args.operations)
    say("result " + json.dumps(tally.as_json()))
    return 0


def mode_job(args: argparse.Namespace) -> int:
    from videolab.domain.params import DetectionParams

    with VideoLab.open(args.db) as app:
        user = app.auth.login(args.user, PASSWORD).user
        params = DetectionParams(end=args.end, imgsz=args.imgsz, device="cpu")
        job = app.jobs.create(user, uuid.UUID(args.video), params)
        say(f"job {job.id}")

        def progress(p: Any) -> None:
            say(f"frame {p.done} {p.total}")

        done = app.jobs.run(user, job.id, progress=progress)
        say(f"finished {done.status.value}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="workers")
    sub = p.add_subparsers(dest="mode", required=True)
    up = sub.add_parser("upload")
    up.add_argument("--db", required=True)
    up.add_argument("--user", required=True)
    up.add_argument("--dataset", required=True)
    up.add_argument("--clip", required=True)
    up.add_argument("--scratch", required=True)
    up.add_argument("--prefix", required=True)
    up.add_argument("--count", type=int, default=2)
    up.add_argument("--pad-kib", type=int, default=8192)
    up.add_argument("--chunk-delay-ms", type=float, default=0)
    up.add_argument("--seed", type=int, default=0)
    mx = sub.add_parser("mixed")
    mx.add_argument("--db", required=True)
    mx.add_argument("--user", required=True)
    mx.add_argument("--dataset", required=True)
    mx.add_argument("--clip", required=True)
    mx.add_argument("--tag", required=True)
    mx.add_argument("--operations", type=int, default=10)
    mx.add_argument("--jobs", action="store_true")
    mx.add_argument("--video")
    mx.add_argument("--seed", type=int, default=0)
    jb = sub.add_parser("job")
    jb.add_argument("--db", required=True)
    jb.add_argument("--user", required=True)
    jb.add_argument("--video", required=True)
    jb.add_argument("--end", type=int, default=None)
    jb.add_argument("--imgsz", type=int, default=320)
    args = p.parse_args(argv)
    return {"upload": mode_upload, "mixed": mode_mixed, "job": mode_job}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
