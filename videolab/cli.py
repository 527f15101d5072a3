"""``videolab-cli``: the same use cases as the desktop app, from a terminal.

Exit codes: 0 ok, 2 usage, 3 authentication or permission, 4 insufficient credits, 1 any other
error, always with one clear line on stderr.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from videolab import cli_format as fmt
from videolab.domain.dto import JobDTO, UploadProbe, UserDTO, VideoDTO
from videolab.domain.enums import JobStatus
from videolab.domain.errors import AuthenticationFailed, InvalidInput, VideoLabError
from videolab.domain.money import parse_tokens
from videolab.domain.params import BACKENDS, TRACKERS
from videolab.services.app import VideoLab
from videolab.services.seed import DEMO_EMAILS, DEMO_PASSWORD
from videolab.services.upload_twins import where_stored

Handler = Callable[[VideoLab, argparse.Namespace], int]


def _uuid(text: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidInput(f"'{text}' is not a {what} id.") from None


def one_line(message: str) -> str:
    """Errors get one line on stderr, even when a message (or a file name in it) has several."""
    return " ".join(part.strip() for part in message.splitlines() if part.strip())


# -- sign-in ---------------------------------------------------------------------------------
def signed_in(app: VideoLab, args: argparse.Namespace) -> UserDTO:
    email = args.user or os.environ.get("VIDEOLAB_USER")
    if not email:
        raise AuthenticationFailed("Sign in with --user EMAIL (or set VIDEOLAB_USER).")
    password = os.environ.get("VIDEOLAB_PASSWORD")
    if password is None:
        if not sys.stdin or not sys.stdin.isatty():
            raise AuthenticationFailed("Set VIDEOLAB_PASSWORD, or run in a terminal to be asked.")
        password = getpass.getpass(f"Password for {email}: ")
    return app.auth.login(email, password).user


def new_password(whose: str = "the new account's") -> str:
    password = os.environ.get("VIDEOLAB_NEW_PASSWORD")
    if password is not None:
        return password
    if not sys.stdin or not sys.stdin.isatty():
        raise InvalidInput(f"Set VIDEOLAB_NEW_PASSWORD to {whose} password.")
    first = getpass.getpass(f"{whose[0].upper()}{whose[1:]} password: ")
    if getpass.getpass("Again: ") != first:
        raise InvalidInput("The two passwords differ.")
    return first


# -- commands --------------------------------------------------------------------------------
def cmd_init(app: VideoLab, args: argparse.Namespace) -> int:
    data: dict[str, Any] = {"database": app.database_label, "schema": "current"}
    text = f"Database ready at {app.database_label}"
    if args.demo:
        report = app.load_demo()  # refused on a database that has other accounts
        data["demo"] = fmt.plain(report)
        if report.users:
            text += (f" with demo data. The demo accounts ({', '.join(DEMO_EMAILS)}) share the "
                     f"public password '{DEMO_PASSWORD}': for trying VideoLab, not for real "
                     "data.")
        else:
            text += "; it already holds the demo data (nothing changed)."
    fmt.emit(data, as_json=args.json, text=text)
    return 0


def cmd_whoami(app: VideoLab, args: argparse.Namespace) -> int:
    user = signed_in(app, args)
    fmt.emit(fmt.user_json(user), as_json=args.json,
             text=f"{user.email} ({user.role.value}), {fmt.tokens(user.tokens_milli)} tokens")
    return 0


def cmd_tags(app: VideoLab, args: argparse.Namespace) -> int:
    user = signed_in(app, args)
    if args.tags_cmd == "add":
        tag = app.tags.add(user, args.name)
        fmt.emit(fmt.tag_json(tag), as_json=args.json, text=f"Added tag {tag.name}")
        return 0
    tags = app.tags.list(user)
    fmt.emit([fmt.tag_json(t) for t in tags], as_json=args.json,
             text=fmt.table([[t.name, str(t.dataset_count)] for t in tags], ["TAG", "DATASETS"]))
    return 0


def cmd_datasets(app: VideoLab, args: argparse.Namespace) -> int:
    user = signed_in(app, args)
    sub = args.datasets_cmd
    if sub == "list":
        items = app.datasets.list(user, tag=args.tag, search=args.search, deleted=args.deleted)
        rows = [[d.name, ", ".join(d.tags), str(d.video_count), str(d.id)] for d in items]
        fmt.emit([fmt.dataset_json(d) for d in items], as_json=args.json,
                 text=fmt.table(rows, ["NAME", "TAGS", "VIDEOS", "ID"]))
        return 0
    if sub in ("purge", "empty-trash"):
        return _purge(app, user, args)
    if sub == "create":
        ds = app.datasets.create(user, args.name, args.tag or ())
    elif sub == "rename":
        ds = app.datasets.rename(user, app.datasets.resolve(user, args.dataset).id, args.new_name)
    elif sub == "tag":
        ds = app.datasets.set_tags(user, app.datasets.resolve(user, args.dataset).id,
                                   args.tag or ())
    elif sub == "delete":
        ds = app.datasets.delete(user, app.datasets.resolve(user, args.dataset).id)
    else:  # restore
        ds = app.datasets.restore(user, app.datasets.resolve(user, args.dataset, deleted=True).id)
    text = fmt.dataset_done(sub, ds)
    if ds.jobs_stopped:
        text += (f"\nStopped {ds.jobs_stopped} job(s) still running on it; each paid only for the"
                 " frames it had processed (see 'jobs list').")
    fmt.emit(fmt.dataset_json(ds), as_json=args.json, text=text)
    return 0


def _purge(app: VideoLab, user: UserDTO, args: argparse.Namespace) -> int:
    """``datasets purge DS`` and ``datasets empty-trash [--owner EMAIL]``: delete for good."""
    kept = "its jobs, their results and your credit history are kept."
    if args.datasets_cmd == "purge":
        try:  # an id: an administrator may name anyone's dataset; the service checks
            dataset_id, name = uuid.UUID(args.dataset), args.dataset
        except ValueError:
            found = app.datasets.resolve(user, args.dataset, deleted=True)
            dataset_id, name = found.id, found.name
        report = app.datasets.purge(user, dataset_id)
        text = (f"Deleted '{name}' for good: {report.videos} video(s), "
                f"{fmt.file_size(report.size_bytes)}; {kept}")
    else:
        report = app.datasets.empty_trash(user, owner_email=args.owner)
        whose = f"{args.owner}'s trash" if args.owner else "the trash"
        text = (f"Emptied {whose}: {report.datasets} dataset(s) and {report.videos} video(s), "
                f"{fmt.file_size(report.size_bytes)}, deleted for good; "
                + kept.replace("its jobs", "their jobs"))
    fmt.emit({"datasets": report.datasets, "videos": report.videos,
              "size_bytes": report.size_bytes, "cached_files_removed": report.files_removed},
             as_json=args.json, text=text)
    return 0


def cmd_videos(app: VideoLab, args: argparse.Namespace) -> int:
    user = signed_in(app, args)
    sub = args.videos_cmd
    if sub == "list":
        ds = app.datasets.resolve(user, args.dataset)
        items = app.videos.list(user, ds.id)
        rows = [[v.name, f"{v.frame_count}{'' if v.frames_verified else ' (unchecked)'}",
                 f"{v.width}x{v.height}", f"{v.duration_s:.1f}s", fmt.file_size(v.size_bytes),
                 str(v.id)] for v in items]
        fmt.emit([fmt.video_json(v) for v in items], as_json=args.json,
                 text=fmt.table(rows, ["NAME", "FRAMES", "RESOLUTION", "DURATION", "SIZE", "ID"]))
        return 0
    if sub == "export":
        out = app.videos.export(user, _uuid(args.video, "video"), Path(args.out))
        fmt.emit({"path": str(out)}, as_json=args.json, text=f"Wrote {out}")
        return 0
    if sub == "delete":
        stopped = app.videos.delete(user, _uuid(args.video, "video"))
        lines = ["Deleted."] + [f"Stopped job {j.id}: {j.money_text()}." for j in stopped]
        fmt.emit({"deleted": args.video, "jobs_stopped": [fmt.job_json(j) for j in stopped]},
                 as_json=args.json, text="\n".join(lines))
        return 0
    return upload_files(app, user, args)


def upload_files(app: VideoLab, user: UserDTO, args: argparse.Namespace) -> int:
    """``videos upload DS FILE...``: each file on its own, stored or refused.

    A file is probed (its packets counted), then stored and charged in one transaction; a
    refusal stops only that file. While the next file is stored, a background thread counts
    the frames of the last one that decode, with the decoder jobs use, and refunds any packet
    that did not decode; the command waits for those checks before printing its summary. If
    it is interrupted meanwhile, the videos stay stored and are checked before their first job.
    """
    ds = app.datasets.resolve(user, args.dataset)
    outcomes: list[dict[str, Any]] = []
    cancel = threading.Event()
    checks: list[tuple[int, Future[VideoDTO]]] = []
    recorded: set[int] = set()
    code = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="frame-check") as checker:
        try:
            for file in args.files:
                shown = os.fsencode(file).decode("utf-8", errors="replace")  # printable
                try:
                    probe = app.videos.probe_upload(user, ds.id, Path(file), cancel=cancel)
                    if not args.again:
                        _refuse_copies(app, user, ds.id, probe, cancel)
                    video = app.videos.store_upload(user, ds.id, probe, cancel=cancel)
                except VideoLabError as exc:
                    print(f"error: {one_line(exc.message)}", file=sys.stderr)
                    outcomes.append({"file": shown, "status": "refused", "error": exc.message})
                    code = code or exc.exit_code
                    continue
                outcomes.append({"file": shown, "status": "stored", **fmt.video_json(video),
                                 "charged_frames": video.frame_count})
                future = checker.submit(app.videos.verify_frames, user, video.id, source=probe,
                                        cancel=cancel)
                checks.append((len(outcomes) - 1, future))
            for index, future in checks:
                _record_check(outcomes[index], future)
                recorded.add(index)
        except KeyboardInterrupt:
            cancel.set()
            for _, future in checks:
                future.cancel()
            print("interrupted: the videos stored so far are kept; their frames are checked "
                  "before their first job", file=sys.stderr)
            code = 130
        for index, future in checks:  # what finished before an interruption still counts
            if future.done() and not future.cancelled() and index not in recorded:
                _record_check(outcomes[index], future)
    fmt.emit(outcomes, as_json=args.json,
             text="\n".join(_upload_summary(item) for item in outcomes))
    return code


def _refuse_copies(app: VideoLab, user: UserDTO, dataset_id: uuid.UUID, probe: UploadProbe,
                   cancel: threading.Event) -> None:
    """A file the user already stored in another dataset is charged again if stored: the GUI
    asks; a command cannot ask a script, so it refuses unless told ``--again``."""
    copies = app.videos.copies_elsewhere(user, dataset_id, probe, cancel=cancel)
    if copies:
        raise InvalidInput(
            f"{probe.path.name} is already stored in {where_stored(copies)}; nothing was "
            "charged. Add --again to store (and pay for) a second copy."
        )


def _record_check(item: dict[str, Any], future: Future[VideoDTO]) -> None:
    """The video as its frame check left it. A check that failed leaves it stored and
    unchecked: it is checked again before its first job."""
    try:
        item.update(fmt.video_json(future.result()))
    except VideoLabError as exc:
        item["check_error"] = exc.message
    except Exception as exc:
        logging.getLogger("videolab").warning("frame check failed", exc_info=True)
        item["check_error"] = f"{type(exc).__name__}: {exc}"


def _upload_summary(item: dict[str, Any]) -> str:
    file = one_line(str(item["file"]))
    if item["status"] == "refused":
        return f"refused  {file}: {one_line(str(item['error']))}"
    named = "" if item["name"] == Path(file).name else f" as \"{one_line(item['name'])}\""
    line = (f"stored   {file}{named}: {item['frame_count']} frames, "
            f"{item['cost']:.3f} tokens ({item['id']})")
    if not item["frames_verified"]:
        return f"{line}; frames not checked yet (before its first job)"
    lost = item["charged_frames"] - item["frame_count"]
    if lost > 0:
        line += f"; {lost} of {item['charged_frames']} frames do not decode, refunded"
    return line


class ProgressBar:
    """A one-line progress bar on stderr, redrawn at most ten times a second."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._last = 0.0

    def __call__(self, p: Any) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.1 and p.done < p.total):
            return
        self._last = now
        width = 30
        filled = int(width * p.done / max(1, p.total))
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {p.done}/{p.total} "
                         f"frames  {p.fps:5.1f} fps ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def _params(args: argparse.Namespace) -> Any:
    from videolab.domain.params import DetectionParams

    classes = None
    if args.classes:
        try:
            classes = tuple(int(c) for c in args.classes.split(",") if c.strip())
        except ValueError:
            raise InvalidInput("--classes takes class ids separated by commas, e.g. 0,2.") \
                from None
    return DetectionParams(model=args.model, conf=args.conf, iou=args.iou, imgsz=args.imgsz,
                           classes=classes, max_det=args.max_det, start=args.start, end=args.end,
                           stride=args.stride, device=args.device, backend=args.backend,
                           track=args.track)


def cmd_jobs(app: VideoLab, args: argparse.Namespace) -> int:
    user = signed_in(app, args)
    sub = args.jobs_cmd
    if sub == "list":
        jobs = app.jobs.list(user)
        rows = [[str(j.id), j.status.value,
                 j.video_name + (" (deleted)" if j.video_deleted else ""),
                 f"{j.frames_processed}/{j.frames_total}",
                 fmt.tokens(j.cost_milli if j.charged_milli is None else j.charged_milli)
                 + (" held" if j.charged_milli is None else "")] for j in jobs]
        fmt.emit([fmt.job_json(j) for j in jobs], as_json=args.json,
                 text=fmt.table(rows, ["ID", "STATUS", "VIDEO", "FRAMES", "TOKENS"]))
        return 0
    interrupted = False
    if sub == "show":
        job = app.jobs.get(user, _uuid(args.job, "job"))
    elif sub == "cancel":
        job = app.jobs.cancel(user, _uuid(args.job, "job"))
    else:
        job, interrupted = run_job_foreground(app, user, args)
    data, text = fmt.job_json(job), fmt.job_text(job)
    objects = _unique_objects(app, user, job)
    if objects is not None:  # a tracked job: distinct objects per class
        data["objects"] = objects
        text += f"\n  objects   {objects}"
    fmt.emit(data, as_json=args.json, text=text)
    if sub != "run":
        return 0 if job.status is not JobStatus.FAILED else 1
    # `jobs run` succeeds only when the job completed: a script must not mistake a job that
    # was cancelled (Ctrl-C: 130, as shells report SIGINT) or stopped for a finished one.
    if job.status is JobStatus.COMPLETED:
        return 0
    if job.error and not args.json:
        print(f"error: {one_line(job.error)}", file=sys.stderr)
    return 130 if interrupted else 1


def run_job_foreground(
    app: VideoLab, user: UserDTO, args: argparse.Namespace
) -> tuple[JobDTO, bool]:
    """Create and run a job; returns it settled and whether Ctrl-C stopped it."""
    job = app.jobs.create(user, _uuid(args.video, "video"), _params(args),
                          allow_untrusted_model=args.trust_model)
    cancel = threading.Event()
    interrupted = threading.Event()  # Ctrl-C, as opposed to a cancel from elsewhere

    def on_sigint(_sig: int, _frame: object) -> None:
        # Ctrl-C ends the job ABORTED (pay only processed frames); a second one kills us.
        if cancel.is_set():
            raise KeyboardInterrupt
        interrupted.set()
        cancel.set()
        print("\ncancelling...", file=sys.stderr)

    previous = signal.signal(signal.SIGINT, on_sigint)
    bar = ProgressBar(enabled=not args.json)
    try:
        return app.jobs.run(user, job.id, progress=bar, cancel=cancel), interrupted.is_set()
    finally:
        bar.close()
        signal.signal(signal.SIGINT, previous)


def _unique_objects(app: VideoLab, user: UserDTO, job: Any) -> str | None:
    """'3 disc, 2 square' for a tracked job with a result; None otherwise."""
    from videolab.inference.tracking import describe_unique

    if not job.params.get("track") or job.status.value not in ("COMPLETED", "ABORTED"):
        return None
    try:
        summary = app.jobs.result(user, job.id).get("summary", {})
    except VideoLabError:
        return None
    return describe_unique(summary.get("unique_per_class", {})) or "none"


def _cancel_on_sigint(cancel: threading.Event) -> Any:
    def on_sigint(_sig: int, _frame: object) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        print("\ncancelling...", file=sys.stderr)

    return signal.signal(signal.SIGINT, on_sigint)


def cmd_results(app: VideoLab, args: argparse.Namespace) -> int:
    user = signed_in(app, args)
    job_id = _uuid(args.job, "job")
    if args.results_cmd == "counts":
        return _results_counts(app, user, job_id, args)
    if args.format == "mot":
        out = app.tracks.export_mot(user, job_id, Path(args.out))
    elif args.format == "mp4":
        cancel = threading.Event()
        previous = _cancel_on_sigint(cancel)
        bar = FramesBar(enabled=not args.json)
        try:
            report = app.tracks.export_mp4(user, job_id, Path(args.out), skipped=args.skipped,
                                           trails=args.trails, progress=bar, cancel=cancel)
        finally:
            bar.close()
            signal.signal(signal.SIGINT, previous)
        out = report.path
    else:
        out = app.jobs.export_result(user, job_id, args.format, Path(args.out))
    fmt.emit({"path": str(out), "format": args.format}, as_json=args.json, text=f"Wrote {out}")
    return 0


def _results_counts(app: VideoLab, user: UserDTO, job_id: uuid.UUID,
                    args: argparse.Namespace) -> int:
    import csv

    from videolab.inference.counting import COUNTS_CSV_HEADER, parse_line, parse_zone

    lines = [parse_line(t, f"line{i}") for i, t in enumerate(args.line or [], 1)]
    zones = [parse_zone(t, f"zone{i}") for i, t in enumerate(args.zone or [], 1)]
    given = bool(lines or zones)
    counts = app.tracks.counts(user, job_id, lines if given else None, zones if given else None)
    if args.out:
        with open(args.out, "w", newline="", encoding="utf-8") as sink:
            writer = csv.writer(sink)
            writer.writerow(COUNTS_CSV_HEADER)
            writer.writerows(counts.csv_rows())
    data = {"lines": [{"line": c.line, "class_name": c.class_name, "in": c.in_count,
                       "out": c.out_count} for c in counts.lines],
            "zone_samples": len(counts.zones), "out": args.out}
    rows = [[c.line, c.class_name, str(c.in_count), str(c.out_count)] for c in counts.lines]
    text = fmt.table(rows, ["LINE", "CLASS", "IN", "OUT"]) if rows else "No lines."
    if args.out:
        text += f"\nWrote {args.out}"
    fmt.emit(data, as_json=args.json, text=text)
    return 0


class FramesBar(ProgressBar):
    """The progress bar for (done, total) callbacks."""

    def __call__(self, done: int, total: int) -> None:  # type: ignore[override]
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.1 and done < total):
            return
        self._last = now
        filled = int(30 * done / max(1, total))
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} frames ")
        sys.stderr.flush()


def cmd_credits(app: VideoLab, args: argparse.Namespace) -> int:
    user = signed_in(app, args)
    if args.credits_cmd == "recharge":
        target = app.credits.recharge(user, args.email, parse_tokens(args.amount))
        fmt.emit(fmt.user_json(target), as_json=args.json,
                 text=f"{target.email} now has {fmt.tokens(target.tokens_milli)} tokens")
        return 0
    owner, entries = app.credits.ledger(user, args.email)
    data = {"email": owner.email, "tokens": fmt.tokens_to_float(owner.tokens_milli),
            "entries": [fmt.ledger_json(e) for e in entries]}
    rows = [[e.created_at.strftime("%Y-%m-%d %H:%M:%S"), fmt.reason_words(e.reason),
             e.subject, fmt.signed_tokens(e.delta_milli), fmt.tokens(e.balance_after_milli),
             e.note] for e in entries]
    fmt.emit(data, as_json=args.json,
             text=f"{owner.email}: {fmt.tokens(owner.tokens_milli)} tokens\n"
             + fmt.table(rows, ["WHEN", "WHAT", "FOR", "CHANGE", "BALANCE", "NOTE"]))
    return 0


def cmd_users(app: VideoLab, args: argparse.Namespace) -> int:
    user = signed_in(app, args)
    if args.users_cmd == "add":
        created = app.users.create(user, args.email, new_password(), args.role,
                                   parse_tokens(args.tokens))
        fmt.emit(fmt.user_json(created), as_json=args.json, text=f"Created {created.email}")
        return 0
    if args.users_cmd == "role":
        changed = app.users.set_role(user, args.email, args.role)
        fmt.emit(fmt.user_json(changed), as_json=args.json,
                 text=f"{changed.email} is now {changed.role.value}")
        return 0
    if args.users_cmd in ("disable", "enable", "delete", "reset-password"):
        return _account_action(app, user, args)
    users = app.users.list(user)
    fmt.emit([{**fmt.user_json(u), "disabled": u.is_disabled} for u in users], as_json=args.json,
             text=fmt.table([[u.email, u.role.value, fmt.tokens(u.tokens_milli),
                              "disabled" if u.is_disabled else "active"] for u in users],
                            ["EMAIL", "ROLE", "TOKENS", "STATUS"]))
    return 0


def _account_action(app: VideoLab, user: UserDTO, args: argparse.Namespace) -> int:
    """``users disable | enable | delete | reset-password EMAIL`` (administrators)."""
    data: dict[str, Any]
    if args.users_cmd == "disable":
        report = app.users.disable(user, args.email)
        data = {**fmt.user_json(report.user), "disabled": True,
                "jobs_stopped": report.jobs_stopped}
        text = (f"Disabled {report.user.email}: its sessions are ended"
                + (f" and {report.jobs_stopped} job(s) stopped" if report.jobs_stopped else "")
                + ".")
    elif args.users_cmd == "enable":
        enabled = app.users.enable(user, args.email)
        data = {**fmt.user_json(enabled), "disabled": False}
        text = f"Enabled {enabled.email}; it can sign in again."
    elif args.users_cmd == "reset-password":
        changed = app.users.reset_password(user, args.email, new_password(f"{args.email}'s new"))
        data = fmt.user_json(changed)
        text = f"New password set for {changed.email}; its saved sessions are ended."
    else:
        gone = app.users.delete(user, args.email, to_email=args.to)
        data = {"deleted": gone.email, "to": gone.to_email, "datasets": gone.datasets,
                "jobs": gone.jobs, "tokens": fmt.tokens_to_float(gone.tokens_milli)}
        text = (f"Deleted {gone.email}: {gone.datasets} dataset(s), {gone.jobs} job(s) and "
                f"{fmt.tokens(gone.tokens_milli)} tokens went to {gone.to_email}; its ledger "
                "is kept.")
    fmt.emit(data, as_json=args.json, text=text)
    return 0


def cmd_backup(app: VideoLab, args: argparse.Namespace) -> int:
    report = app.backup(signed_in(app, args), Path(args.path))
    fmt.emit({"path": str(report.path), "size_bytes": report.size_bytes}, as_json=args.json,
             text=f"Backed up the database to {report.path} ({report.size_bytes} bytes)")
    return 0


# -- parser ----------------------------------------------------------------------------------
class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Every option's help ends with its default, as `yolo` and `gh` show them; options without
    one (None, flags) and help that already says it are left as written."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if (
            not action.option_strings
            or action.default is None
            or action.nargs == 0  # flags: on when given
            or action.default == argparse.SUPPRESS
            or "default" in text
        ):
            return text
        return f"{text} (default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """Every parser and subparser formats its help the same way (subparsers are made with the
    parent's class), and a subcommand's one-line help is also its own --help description."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def _command(
    sub: argparse._SubParsersAction[Parser], name: str, help: str, **kwargs: Any
) -> Parser:
    kwargs.setdefault("description", help[:1].upper() + help[1:] + ".")
    parser: Parser = sub.add_parser(name, help=help, **kwargs)
    return parser


DATASET_HELP = "the dataset's name or id"


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="videolab-cli",
        description="videolab-cli: the same use cases as the VideoLab desktop app, from a "
        "terminal. Exit codes: 0 ok, 2 usage, 3 sign-in or permission, 4 not enough credits, "
        "1 any other error (one line on stderr).",
    )
    p.add_argument("--db", help="database path or SQLAlchemy URL (default: $VIDEOLAB_DB, else "
                                "videolab.db in the app's data folder)")
    p.add_argument("--json", action="store_true",
                   help="one JSON document on stdout instead of text")
    p.add_argument("--user", help="account email (default: $VIDEOLAB_USER); the password comes "
                                  "from $VIDEOLAB_PASSWORD or a prompt")
    p.add_argument("-v", "--verbose", action="store_true", help="log details on stderr")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = _command(sub, "init", "create the database or upgrade its schema")
    init.add_argument(
        "--demo", action="store_true",
        help="load the demo data (3 accounts with the public password "
             f"'{DEMO_PASSWORD}', tags, datasets, a video) into a new, empty database; "
             "refused on a database that has other accounts, and a no-op on a demo database",
    )
    init.set_defaults(handler=cmd_init)

    _command(sub, "whoami", "the signed-in account: email, role, tokens").set_defaults(
        handler=cmd_whoami)

    tags = _command(sub, "tags", "list tags, or add one (administrators)")
    tsub = tags.add_subparsers(dest="tags_cmd", required=True, metavar="ACTION")
    _command(tsub, "list", "every tag and how many of your datasets carry it")
    _command(tsub, "add", "add a tag (administrators)").add_argument(
        "name", help="the new tag's name")
    tags.set_defaults(handler=cmd_tags)

    ds = _command(sub, "datasets", "list, create, rename, tag, trash, restore and delete your "
                  "datasets")
    dsub = ds.add_subparsers(dest="datasets_cmd", required=True, metavar="ACTION")
    dl = _command(dsub, "list", "your datasets (or the trash), by name")
    dl.add_argument("--tag", help="only datasets with this tag (default: any tag)")
    dl.add_argument("--search", help="only names containing this text, in any case "
                                     "(default: every name)")
    dl.add_argument("--deleted", action="store_true", help="list the trash instead")
    dc = _command(dsub, "create", "create a dataset")
    dc.add_argument("name", help="the new dataset's name (unique among yours, any case)")
    dc.add_argument("--tag", action="append",
                    help="a tag to give it; repeat for several (default: no tags)")
    dr = _command(dsub, "rename", "rename a dataset")
    dr.add_argument("dataset", help=DATASET_HELP)
    dr.add_argument("new_name", help="its new name")
    dt = _command(dsub, "tag", "replace a dataset's tags")
    dt.add_argument("dataset", help=DATASET_HELP)
    dt.add_argument("--tag", action="append",
                    help="a tag it should carry; repeat for several (default: none: removes "
                         "every tag)")
    _command(dsub, "delete", "move a dataset to the trash (running jobs on it are stopped)"
             ).add_argument("dataset", help=DATASET_HELP)
    _command(dsub, "restore", "bring a dataset back from the trash").add_argument(
        "dataset", help="the trashed dataset's name or id")
    _command(dsub, "purge", "delete a dataset in the trash for good: its videos and their "
             "stored files are removed; its jobs, their results and the credits ledger stay. "
             "Cannot be undone").add_argument(
        "dataset", help="the trashed dataset's name or id (administrators: any account's id)")
    de = _command(dsub, "empty-trash", "delete every dataset in the trash for good, as purge "
                  "does for one. Cannot be undone")
    de.add_argument("--owner", metavar="EMAIL",
                    help="empty this account's trash instead (administrators; default: yours)")
    ds.set_defaults(handler=cmd_datasets)

    vids = _command(sub, "videos", "upload, list, export and delete videos")
    vsub = vids.add_subparsers(dest="videos_cmd", required=True, metavar="ACTION")
    vu = _command(vsub, "upload", "upload video files into a dataset (0.001 token per frame, "
                                  "counted from the file's packets; frames that do not decode "
                                  "are refunded after a check); each file is stored and paid "
                                  "on its own, and one line per file says what became of it")
    vu.add_argument("dataset", help=DATASET_HELP)
    vu.add_argument("files", nargs="+", metavar="FILE", help="a video file to upload")
    vu.add_argument("--again", action="store_true",
                    help="store a file even when the same content is already in another of "
                         "your datasets (a second copy, charged again; default: refuse it)")
    _command(vsub, "list", "the videos of a dataset").add_argument("dataset", help=DATASET_HELP)
    ve = _command(vsub, "export", "write a stored video back to a file")
    ve.add_argument("video", help="the video's id (see 'videos list')")
    ve.add_argument("--out", required=True, metavar="PATH", help="the file to write")
    _command(vsub, "delete", "delete a video (running jobs on it are stopped)").add_argument(
        "video", help="the video's id (see 'videos list')")
    vids.set_defaults(handler=cmd_videos)

    jobs = _command(sub, "jobs", "run, list, show and cancel detection jobs")
    jsub = jobs.add_subparsers(dest="jobs_cmd", required=True, metavar="ACTION")
    jr = _command(jsub, "run", "run detection on a video in the foreground, with a progress "
                               "bar; Ctrl-C cancels (you pay only for the frames processed)")
    jr.add_argument("video", help="the video's id (see 'videos list')")
    jr.add_argument("--model", default="demo",
                    help="'demo', an Ultralytics name (yolo11n.pt, ...) or a model file "
                         "(.pt, .onnx, OpenVINO folder)")
    jr.add_argument("--conf", type=float, default=0.25,
                    help="minimum confidence of a detection, 0-1")
    jr.add_argument("--iou", type=float, default=0.7,
                    help="IoU above which overlapping boxes of a class are merged (NMS), 0-1")
    jr.add_argument("--imgsz", type=int, default=640,
                    help="the model's input size in pixels (longer side)")
    jr.add_argument("--classes", metavar="IDS",
                    help="only these class ids, separated by commas, e.g. 0,2 "
                         "(default: every class)")
    jr.add_argument("--max-det", type=int, default=300, help="at most this many boxes a frame")
    jr.add_argument("--start", type=int, default=0, help="first frame (0-based)")
    jr.add_argument("--end", type=int,
                    help="stop before this frame (default: the end of the video)")
    jr.add_argument("--stride", type=int, default=1,
                    help="process every K-th frame (you pay for the frames processed)")
    jr.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    jr.add_argument("--backend", default="auto", choices=list(BACKENDS),
                    help="the inference engine; auto: OpenVINO (INT8 on long jobs) on a CPU, "
                         "PyTorch on a GPU")
    jr.add_argument("--track", choices=list(TRACKERS),
                    help="follow objects across frames with this tracker: each box gets a "
                         "track id (default: no tracking)")
    jr.add_argument("--trust-model", action="store_true",
                    help="allow loading a .pt file from outside VideoLab's model folders "
                         "(a .pt is a pickle and can run code)")
    _command(jsub, "list", "your jobs, newest first")
    _command(jsub, "show", "a job's state, frames and credits").add_argument(
        "job", help="the job's id (see 'jobs list')")
    _command(jsub, "cancel", "cancel a pending or running job (it pays only for the frames "
                             "processed)").add_argument("job",
                                                        help="the job's id (see 'jobs list')")
    jobs.set_defaults(handler=cmd_jobs)

    res = _command(sub, "results", "export a completed job's result; count objects crossing "
                                   "lines or inside zones")
    rsub = res.add_subparsers(dest="results_cmd", required=True, metavar="ACTION")
    rx = _command(rsub, "export", "write a job's detections to a file")
    rx.add_argument("job", help="the job's id (see 'jobs list')")
    rx.add_argument("--format", required=True,
                    choices=["json", "coco", "csv", "zip", "zip-full", "mot", "mp4"],
                    help="json: VideoLab's result; coco: COCO detections; csv: one row per box; "
                         "zip: the annotated frames as stored (at most 1280 px on the long "
                         "side); zip-full: drawn again on the video's frames at full size; "
                         "mot: MOTChallenge lines of a tracked result; mp4: the video with its "
                         "boxes drawn, H.264")
    rx.add_argument("--out", required=True, metavar="PATH", help="the file to write")
    rx.add_argument("--skipped", choices=["hold", "drop"], default="hold",
                    help="mp4: frames a stride skipped show the last boxes (hold: every frame, "
                         "the video's frame rate) or are left out (drop: frame rate / stride)")
    rx.add_argument("--trails", action="store_true",
                    help="mp4: draw each track's recent path (default: no trails)")
    rk = _command(rsub, "counts", "line crossings and zone occupancy from a tracked result's "
                                  "tracks, without running detection again")
    rk.add_argument("job", help="the job's id (see 'jobs list')")
    rk.add_argument("--line", action="append", metavar="X1,Y1,X2,Y2",
                    help="a counting line in video pixels; repeat for several; saved with the "
                         "result (default: the lines saved before)")
    rk.add_argument("--zone", action="append", metavar="X1,Y1,X2,Y2,X3,Y3,...",
                    help="a zone polygon in video pixels; repeat for several; saved with the "
                         "result (default: the zones saved before)")
    rk.add_argument("--out", metavar="PATH",
                    help="write the counts as CSV here (default: print a summary only)")
    res.set_defaults(handler=cmd_results)

    cr = _command(sub, "credits", "your balance and ledger; recharges (administrators)")
    csub = cr.add_subparsers(dest="credits_cmd", required=True, metavar="ACTION")
    _command(csub, "ledger", "the balance and every change of it, oldest first").add_argument(
        "email", nargs="?",
        help="another account's ledger (administrators; default: your own)")
    rc = _command(csub, "recharge", "add tokens to an account (administrators); the ledger "
                                    "records who did")
    rc.add_argument("email", help="the account to recharge")
    rc.add_argument("amount", help="tokens to add, up to three decimals (e.g. 25 or 0.5)")
    cr.set_defaults(handler=cmd_credits)

    us = _command(sub, "users", "list, add and manage accounts (administrators)")
    usub = us.add_subparsers(dest="users_cmd", required=True, metavar="ACTION")
    _command(usub, "list", "every account: email, role, tokens, status")
    ua = _command(usub, "add", "create an account; its password comes from "
                               "$VIDEOLAB_NEW_PASSWORD or a prompt")
    ua.add_argument("email", help="the new account's email")
    ua.add_argument("--role", choices=["user", "admin"], default="user",
                    help="what it may do")
    ua.add_argument("--tokens", default="0", help="its opening balance in tokens")
    ur = _command(usub, "role", "make an account a user or an administrator")
    ur.add_argument("email", help="the account")
    ur.add_argument("role", choices=["user", "admin"], help="its new role")
    _command(
        usub, "disable", "stop an account: no sign-in, its sessions end, its jobs are cancelled",
        description="Disable an account. Its remembered sessions end at once and an open one "
        "at its next action; sign-in is refused until it is enabled again. Its pending and "
        "running jobs end ABORTED at once (pending ones fully refunded, running ones paying "
        "for the frames done). Its data and balance stay. You cannot disable yourself or the "
        "last administrator.",
    ).add_argument("email", help="the account")
    _command(usub, "enable", "let a disabled account sign in again").add_argument(
        "email", help="the account")
    ud = _command(
        usub, "delete", "delete an account; its datasets, videos, jobs and tokens are handed over",
        description="Delete an account for good. Nothing of its data is destroyed: its "
        "datasets (trash included) with their videos, jobs and results, and its remaining "
        "tokens, go to --to (default: you); a dataset whose name the receiver already uses "
        "gets ' (from EMAIL)' added. Its ledger is kept as history and its email can be used "
        "for a new account. Its pending and running jobs are stopped and settled first, as "
        "on disable. You cannot delete yourself or the last administrator.",
    )
    ud.add_argument("email", help="the account to delete")
    ud.add_argument("--to", metavar="EMAIL",
                    help="the account that receives the data (default: you)")
    _command(
        usub, "reset-password", "set a new password for an account (from "
        "$VIDEOLAB_NEW_PASSWORD or a prompt); its saved sessions end",
    ).add_argument("email", help="the account")
    us.set_defaults(handler=cmd_users)

    bk = _command(
        sub, "backup",
        "consistent copy of the database, safe while the app runs (administrators)",
        description="Copy the database, consistent even while jobs and uploads write. The copy "
        "holds every account's videos, results and password hashes, so only an administrator "
        "may make one; it is written readable by your OS account only (0600).",
    )
    bk.add_argument("path", help="the copy's file (or a folder for a dated file)")
    bk.set_defaults(handler=cmd_backup)
    return p


def quiet_decoder_logs() -> None:
    """Keep FFmpeg's and OpenCV's own complaints off stderr, where a refused file must get
    exactly one clear line ("moov atom not found" and a WARN would come before it).

    Both libraries read these variables when they load, so OpenCV is not imported here: most
    commands never decode a video and should not pay ~0.15 s of CPU to load it."""
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET; read at first use
    os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")  # read when cv2 loads
    cv2 = sys.modules.get("cv2")
    if cv2 is not None:  # already loaded (tests calling main() in-process): set it directly
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("YOLO_AUTOINSTALL", "false")
    parser = build_parser()
    args = parser.parse_args(argv)
    # stderr: VideoLab's own lines; what torch, NNCF, Ultralytics... say goes to the log file.
    from videolab.inference.library_logs import configure
    from videolab.settings import app_paths

    configure(verbose=args.verbose, log_file=app_paths().cache_dir / "logs" / "videolab.log")
    if not args.verbose:
        quiet_decoder_logs()
    try:
        with VideoLab.open(args.db) as app:
            code: int = args.handler(app, args)
            return code
    except VideoLabError as exc:
        print(f"error: {one_line(exc.message)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one clear line, not a traceback, for anything unexpected
        logging.getLogger("videolab").debug("unexpected error", exc_info=True)
        print(f"error: {type(exc).__name__}: {one_line(str(exc))}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
