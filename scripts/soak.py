#!/usr/bin/env python3
"""Long runs of the hardening checks (issue 6), with figures at the end.

    .venv/bin/python scripts/soak.py                       # defaults: a few minutes
    .venv/bin/python scripts/soak.py --kills 200 --job-kills 40 --files 500 \\
        --threads 16 --processes 4 --ops 40 --rounds 3

Each part starts from a fresh demo database in a temporary folder (``--keep DIR`` keeps it):
- upload kills: a process uploading is SIGKILLed at ``--kills`` random points (mid-store,
  random delay, or a real ``videolab-cli`` after a random number of bytes written); after each
  kill the database is audited with plain SQL (integrity, nothing partial, balance = ledger,
  every video paid exactly once) and three restarts must change nothing;
- job kills: ``videolab-cli jobs run`` SIGKILLed ``--job-kills`` times (when detection is
  available), each followed by three starts: FAILED "interrupted", refunded exactly once;
- hostile files: the generated corpus plus ``--files`` damaged videos, uploaded through the
  real CLI in batches with a time limit: refused clearly or charged exactly what decodes;
- concurrency: ``--threads`` threads and ``--processes`` processes x ``--ops`` operations on
  one account, ``--rounds`` times: everything completes or is refused cleanly.
Exit status 0 when every check held; the figures are printed either way (``--json`` too).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.hardening.conftest import Lab  # noqa: E402
from tests.hardening.corpus import build_corpus, build_mutants, judge  # noqa: E402
from tests.hardening.harness import (  # noqa: E402
    ADMIN,
    ALICE,
    BOB,
    PASSWORD,
    KillStats,
    audit,
    cli_upload,
    has_detection,
    job_kill_round,
    run_upload_kills,
)
from tests.hardening.workers import hammer  # noqa: E402
from videolab.inference.synthetic import generate_video  # noqa: E402
from videolab.services.app import VideoLab  # noqa: E402
from videolab.settings import AppPaths  # noqa: E402


def fresh_lab(root: Path, template: Path) -> Lab:
    root.mkdir(parents=True)
    home = root / "home"
    os.environ["VIDEOLAB_HOME"] = str(home)
    db = root / "videolab.db"
    shutil.copyfile(template, db)
    app = VideoLab.open(str(db))
    admin = app.auth.login(ADMIN, PASSWORD).user
    alice = app.auth.login(ALICE, PASSWORD).user
    bob = app.auth.login(BOB, PASSWORD).user
    return Lab(app, db, home, admin, alice, bob, app.datasets.resolve(alice, "Moving shapes"))


def make_template(root: Path) -> Path:
    db = root / "template.db"
    paths = AppPaths(root / "t-data", root / "t-cache", root / "t-config")
    with VideoLab.open(str(db), paths=paths) as app:
        app.load_demo()
        with app.db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return db


def part_upload_kills(args: argparse.Namespace, work: Path, template: Path,
                      clip: Path) -> dict[str, Any]:
    lab = fresh_lab(work / "upload-kills", template)
    lab.app.close()
    scratch = work / "upload-kills" / "scratch"
    scratch.mkdir()
    stats = run_upload_kills(lab.db, lab.home, clip, scratch, "Moving shapes",
                             kills=args.kills, seed=args.seed, pad_kib=args.pad_kib)
    final = audit(lab.db, deep=True).check()
    for _ in range(3):
        with VideoLab.open(str(lab.db)):
            pass
        again = audit(lab.db, deep=False).check()
        assert (again.videos, again.balances) == (final.videos, final.balances)
    return {"kills": stats.kills, "phases": stats.phases, "uploads_committed": stats.committed,
            "videos": final.videos, "seconds": round(stats.seconds, 1)}


def part_job_kills(args: argparse.Namespace, work: Path, template: Path) -> dict[str, Any]:
    ok, why = has_detection()
    if not ok:
        return {"skipped": why}
    import random

    lab = fresh_lab(work / "job-kills", template)
    # As tests/hardening/test_crash_job.py: long enough to be killed while RUNNING (a 48-frame
    # job now ends before its first progress write), short of INT8's 400-frame threshold.
    frames = 360
    clip = generate_video(work / "job-kills" / "clip.mp4", seed=21, frames=frames)
    video = lab.app.videos.upload(lab.alice, lab.dataset.id, clip.path)
    lab.app.close()
    stats = KillStats()
    rng = random.Random(args.seed)
    started = time.monotonic()
    for _ in range(args.job_kills):
        job_kill_round(lab.db, lab.home, str(video.id), rng, stats, end=frames, window_s=12.0)
    final = audit(lab.db, deep=True).check()
    return {"kills": stats.kills, "phases": stats.phases, "jobs": final.jobs,
            "completed_before_kill": stats.committed,
            "seconds": round(time.monotonic() - started, 1)}


def part_files(args: argparse.Namespace, work: Path, template: Path,
               clip: Path) -> dict[str, Any]:
    lab = fresh_lab(work / "files", template)
    admin, alice = lab.admin, lab.alice
    lab.app.credits.recharge(admin, ALICE, 1_000_000)  # never short of credits here
    started = time.monotonic()
    items = build_corpus(work / "files" / "corpus", clip, seed=args.seed, truncations=8)
    items += build_mutants(work / "files" / "mutants", clip, args.files, seed=args.seed)
    problems: list[str] = []
    accepted = refused = 0
    balance = lab.app.credits.balance(alice)
    charged_total = 0
    batch = 50
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        code, results, stderr = cli_upload(lab.db, lab.home, "Moving shapes",
                                           [i.path for i in chunk])
        if code not in (0, 1) or results is None or len(results) != len(chunk):
            problems.append(f"batch {start}: exit {code}: {stderr[-500:]}")
            continue
        found, charged = judge(chunk, results)
        problems += found
        charged_total += charged
        accepted += sum(1 for r in results if "error" not in r)
        refused += sum(1 for r in results if "error" in r)
    if lab.app.credits.balance(alice) != balance - charged_total:
        problems.append("the balance moved by more than the frames charged")
    audit(lab.db, deep=True).check()
    lab.app.close()
    return {"files_tried": len(items), "accepted": accepted, "refused": refused,
            "problems": problems, "seconds": round(time.monotonic() - started, 1)}


def part_concurrency(args: argparse.Namespace, work: Path, template: Path,
                     clip: Path) -> dict[str, Any]:
    rounds = []
    for r in range(args.rounds):
        root = work / f"concurrency-{r}"
        lab = fresh_lab(root, template)
        tally, carol, seconds = hammer(lab, clip, root, threads=args.threads,
                                       processes=args.processes, operations=args.ops,
                                       seed=args.seed + r)
        result = audit(lab.db, deep=True).check()
        if lab.app.credits.balance(carol) != result.balances[carol.email]:
            tally.unexpected.append("balance differs from the audit")
        lab.app.close()
        rounds.append({"ok": dict(tally.ok), "refused": dict(tally.refused),
                       "unexpected": tally.unexpected, "seconds": round(seconds, 1)})
    return {"threads": args.threads, "processes": args.processes, "ops_each": args.ops,
            "operations": args.rounds * (args.threads + args.processes) * args.ops,
            "rounds": rounds}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kills", type=int, default=60, help="SIGKILLs during uploads")
    p.add_argument("--job-kills", type=int, default=12, help="SIGKILLs during jobs")
    p.add_argument("--files", type=int, default=150, help="damaged videos besides the corpus")
    p.add_argument("--threads", type=int, default=16)
    p.add_argument("--processes", type=int, default=4)
    p.add_argument("--ops", type=int, default=25, help="operations per thread or process")
    p.add_argument("--rounds", type=int, default=2, help="concurrency rounds")
    p.add_argument("--pad-kib", type=int, default=4096, help="size added to each upload")
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--only", choices=["uploads", "jobs", "files", "concurrency"],
                   action="append", help="run only these parts (repeatable)")
    p.add_argument("--keep", type=Path, help="keep the databases in this folder")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="videolab-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    template = make_template(work)
    clip = generate_video(work / "clip.mp4", seed=3, frames=24, size=(320, 180)).path
    parts: dict[str, Callable[[], dict[str, Any]]] = {
        "uploads": lambda: part_upload_kills(args, work, template, clip),
        "jobs": lambda: part_job_kills(args, work, template),
        "files": lambda: part_files(args, work, template, clip),
        "concurrency": lambda: part_concurrency(args, work, template, clip),
    }
    figures: dict[str, Any] = {}
    failed = False
    for name, run in parts.items():
        if args.only and name not in args.only:
            continue
        t0 = time.monotonic()
        print(f"[soak] {name} ...", file=sys.stderr, flush=True)
        try:
            figures[name] = run()
        except Exception as exc:  # report and carry on with the other parts
            failed = True
            figures[name] = {"failed": f"{type(exc).__name__}: {exc}",
                             "traceback": traceback.format_exc(limit=8)}
        bad = figures[name].get("problems") or any(
            r.get("unexpected") for r in figures[name].get("rounds", []))
        failed = failed or bool(bad)
        print(f"[soak] {name} done in {time.monotonic() - t0:.0f} s", file=sys.stderr)
    figures["total_seconds"] = round(time.monotonic() - started, 1)
    figures["ok"] = not failed
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for name, value in figures.items():
            print(f"{name}: {json.dumps(value)}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
