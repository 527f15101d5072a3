"""The command line speaks to people: columns named for what they hold, results in sentences,
ledger reasons in words with what they paid for, and a --help that explains every option."""

from __future__ import annotations

import argparse
import re

import pytest

from videolab import cli
from videolab.domain.params import DetectionParams
from videolab.services.app import VideoLab


def all_parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    found: list[tuple[str, argparse.ArgumentParser]] = []

    def walk(name: str, parser: argparse.ArgumentParser) -> None:
        found.append((name, parser))
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub_name, sub in action.choices.items():
                    walk(f"{name} {sub_name}", sub)

    walk("videolab-cli", cli.build_parser())
    return found


def test_every_command_and_option_says_what_it_does_and_its_default() -> None:
    """`--conf CONF` with no words was the rule; now every option, argument and subcommand
    has help, and an option with a default shows it, as `yolo` and `gh` do."""
    missing: list[str] = []
    for name, parser in all_parsers():
        assert parser.description, f"{name}: no description"
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if isinstance(action, argparse._SubParsersAction):
                missing += [f"{name} {c.dest}" for c in action._choices_actions if not c.help]
                continue
            label = f"{name} {'/'.join(action.option_strings) or action.dest}"
            if not action.help:
                missing.append(label)
        text = parser.format_help()
        for action in parser._actions:
            if action.option_strings and action.default not in (None, False, argparse.SUPPRESS) \
                    and action.nargs != 0:
                assert f"(default: {action.default})" in " ".join(text.split()), \
                    f"{name} {action.option_strings[0]}: default {action.default!r} not shown"
        assert "`" not in text, f"{name} --help shows literal backticks"
    assert missing == []


def test_job_option_defaults_in_help_are_the_detection_defaults() -> None:
    run = dict(all_parsers())["videolab-cli jobs run"]
    defaults = DetectionParams()
    text = " ".join(run.format_help().split())
    for option, value in [("--conf", defaults.conf), ("--iou", defaults.iou),
                          ("--imgsz", defaults.imgsz), ("--max-det", defaults.max_det),
                          ("--stride", defaults.stride), ("--model", defaults.model)]:
        assert re.search(rf"{option} \S+ .*?\(default: {re.escape(str(value))}\)", text), option


def test_dataset_actions_report_in_words(app: VideoLab, run_cli) -> None:
    """`datasets create` printed "create: NAME (id)"."""
    alice = "alice@example.com"
    created = run_cli("datasets", "create", "Birds", "--tag", "wildlife", user=alice, json=False)
    assert re.fullmatch(r"Created dataset Birds \([0-9a-f-]{36}\)\n", created.out), created.out
    renamed = run_cli("datasets", "rename", "Birds", "Birds 2025", user=alice, json=False)
    assert renamed.out.startswith("Renamed the dataset to Birds 2025 (")
    tagged = run_cli("datasets", "tag", "Birds 2025", "--tag", "demo", "--tag", "sports",
                     user=alice, json=False)
    assert tagged.out.startswith("Set the tags of dataset Birds 2025 to demo, sports (")
    trashed = run_cli("datasets", "delete", "Birds 2025", user=alice, json=False)
    assert trashed.out.startswith("Moved dataset Birds 2025 to the trash (")
    restored = run_cli("datasets", "restore", "Birds 2025", user=alice, json=False)
    assert restored.out.startswith("Restored dataset Birds 2025 from the trash (")


def test_video_list_names_the_resolution_and_shows_the_file_size(
    app: VideoLab, run_cli
) -> None:
    """The column called SIZE held the resolution."""
    listed = run_cli("videos", "list", "Moving shapes", user="alice@example.com", json=False)
    header, row = listed.out.splitlines()[:2]
    assert header.split() == ["NAME", "FRAMES", "RESOLUTION", "DURATION", "SIZE", "ID"]
    video = run_cli("videos", "list", "Moving shapes", user="alice@example.com").json()[0]
    assert "640x360" in row.split()
    size = video["size_bytes"] / 1e6
    assert f"{size:.3g} MB" in row, (row, size)


@pytest.mark.parametrize(("size", "text"), [
    (0, "0 B"), (999, "999 B"), (4_100, "4.1 KB"), (1_880_000, "1.88 MB"),
    (123_456_789, "123 MB"), (1_090_000_000, "1.09 GB"),
])
def test_file_sizes_read_like_sizes(size: int, text: str) -> None:
    from videolab import cli_format

    assert cli_format.file_size(size) == text


def test_the_ledger_says_what_each_row_was_and_who_recharged(
    app: VideoLab, demo, run_cli
) -> None:
    """Reason codes ("job_hold") were printed raw, with no video or job name, and a recharge
    with a note of its own lost the admin who made it."""
    video = app.videos.list(demo.alice, app.datasets.resolve(demo.alice, "Moving shapes").id)[0]
    job = app.jobs.create(demo.alice, video.id, DetectionParams(device="cpu"))
    app.jobs.cancel(demo.alice, job.id)
    app.credits.recharge(demo.admin, "alice@example.com", 5_000, note="conference demo")

    text = run_cli("credits", "ledger", user="alice@example.com", json=False).out
    lines = text.splitlines()
    assert lines[1].split()[:6] == ["WHEN", "WHAT", "FOR", "CHANGE", "BALANCE", "NOTE"]
    hold = next(line for line in lines if "job hold" in line)
    assert f"job on {video.name}" in hold and "-0.480" in hold
    refund = next(line for line in lines if "job refund" in line)
    assert f"job on {video.name}" in refund and "+0.480" in refund
    recharge = next(line for line in lines if " recharge " in line)
    assert "by admin@example.com: conference demo" in recharge and "+5.000" in recharge
    assert "job_hold" not in text and "job_refund" not in text

    entries = run_cli("credits", "ledger", user="alice@example.com").json()["entries"]
    assert [e["reason"] for e in entries][-3:] == ["job_hold", "job_refund", "recharge"]
    assert entries[-3]["what"] == "job hold" and entries[-3]["for"] == f"job on {video.name}"


def test_an_account_made_by_an_admin_records_who_gave_its_opening_balance(
    app: VideoLab, demo
) -> None:
    made = app.users.create(demo.admin, "carol@example.com", "a long password", "user", 7_000)
    _, entries = app.credits.ledger(demo.admin, made.email)
    assert [e.note for e in entries] == ["by admin@example.com: opening balance"]
