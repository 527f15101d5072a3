"""One user cannot see or touch another user's datasets and videos, by any service or command.

Another user's objects read as "not found", with the very message an id that does not exist
gets, so ids reveal nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from videolab.domain.dto import DatasetDTO, UserDTO, VideoDTO
from videolab.domain.errors import NotFound, PermissionDenied
from videolab.inference.synthetic import SyntheticVideo
from videolab.services.app import VideoLab


@dataclass(frozen=True)
class AliceData:
    live: DatasetDTO
    trashed: DatasetDTO
    video: VideoDTO


@pytest.fixture
def alice_data(app: VideoLab, demo, clip: SyntheticVideo) -> AliceData:
    alice = demo.alice
    live = app.datasets.create(alice, "Private", ["wildlife"])
    video = app.videos.upload(alice, live.id, clip.path)
    trashed = app.datasets.create(alice, "Private trash")
    app.datasets.delete(alice, trashed.id)
    return AliceData(live, app.datasets.get(alice, trashed.id), video)


def snapshot(app: VideoLab, owner: UserDTO) -> Any:
    return (
        [(d.id, d.name, d.tags, d.video_count) for d in app.datasets.list(owner)],
        [(d.id, d.name) for d in app.datasets.list(owner, deleted=True)],
        {d.id: [(v.id, v.name, v.sha256) for v in app.videos.list(owner, d.id)]
         for d in app.datasets.list(owner)},
    )


def service_attempts(
    app: VideoLab, alice: AliceData, clip: Path, out: Path
) -> dict[str, Callable[[UserDTO], Any]]:
    ds, trashed, video = alice.live.id, alice.trashed.id, alice.video.id
    return {
        "get dataset": lambda u: app.datasets.get(u, ds),
        "get trashed dataset": lambda u: app.datasets.get(u, trashed),
        "resolve by id": lambda u: app.datasets.resolve(u, str(ds)),
        "resolve by name": lambda u: app.datasets.resolve(u, "Private"),
        "resolve trashed by name": lambda u: app.datasets.resolve(u, "Private trash",
                                                                  deleted=True),
        "rename": lambda u: app.datasets.rename(u, ds, "Mine now"),
        "set tags": lambda u: app.datasets.set_tags(u, ds, ["demo"]),
        "delete": lambda u: app.datasets.delete(u, ds),
        "restore": lambda u: app.datasets.restore(u, trashed),
        "require live": lambda u: app.datasets.require_live(u, ds),
        "list videos": lambda u: app.videos.list(u, ds),
        "upload into": lambda u: app.videos.upload(u, ds, clip, name="intruder.mp4"),
        "estimate into": lambda u: app.videos.estimate(u, ds, clip),
        "get video": lambda u: app.videos.get(u, video),
        "export video": lambda u: app.videos.export(u, video, out),
        "local copy": lambda u: app.videos.local_copy(u, video),
        "delete video": lambda u: app.videos.delete(u, video),
    }


def test_services_refuse_every_access_to_another_users_data(
    app: VideoLab, demo, alice_data: AliceData, clip: SyntheticVideo, tmp_path: Path,
    counts, audit_balance,
) -> None:
    before_alice = snapshot(app, demo.alice)
    before_counts = counts(app)
    bob_balance = app.credits.balance(demo.bob)
    out = tmp_path / "stolen.mp4"
    with pytest.raises(NotFound) as unknown:
        app.datasets.get(demo.bob, uuid.uuid4())

    for what, attempt in service_attempts(app, alice_data, clip.path, out).items():
        with pytest.raises(NotFound) as refused:
            attempt(demo.bob)
        if "name" in what:
            continue  # echoing the name bob typed is fine
        # Nothing about alice's data leaks: the message is the one an unknown id gets.
        assert "Private" not in refused.value.message, what
        if "video" not in what and "into" not in what:
            assert refused.value.message == unknown.value.message, what

    assert not out.exists()
    assert alice_data.live.id not in {d.id for d in app.datasets.list(demo.bob)}
    assert alice_data.trashed.id not in {d.id for d in app.datasets.list(demo.bob, deleted=True)}
    assert app.datasets.list(demo.bob, search="Private") == []
    with pytest.raises(PermissionDenied):
        app.credits.ledger(demo.bob, "alice@example.com")
    assert snapshot(app, demo.alice) == before_alice
    assert counts(app) == before_counts
    assert audit_balance(app, demo.bob) == (bob_balance, bob_balance)


def test_cli_refuses_every_access_to_another_users_data(
    app: VideoLab, demo, alice_data: AliceData, clip: SyntheticVideo, tmp_path: Path, run_cli,
    counts,
) -> None:
    ds, trashed, video = (str(alice_data.live.id), str(alice_data.trashed.id),
                          str(alice_data.video.id))
    out = tmp_path / "stolen.mp4"
    before_alice = snapshot(app, demo.alice)
    before_counts = counts(app)
    commands = [
        ("datasets", "rename", ds, "Mine now"),
        ("datasets", "rename", "Private", "Mine now"),
        ("datasets", "tag", ds, "--tag", "demo"),
        ("datasets", "delete", ds),
        ("datasets", "delete", "Private"),
        ("datasets", "restore", trashed),
        ("datasets", "restore", "Private trash"),
        ("videos", "list", ds),
        ("videos", "list", "Private"),
        ("videos", "upload", ds, str(clip.path)),
        ("videos", "export", video, "--out", str(out)),
        ("videos", "delete", video),
        ("credits", "ledger", "alice@example.com"),
    ]
    for command in commands:
        result = run_cli(*command, user="bob@example.com")
        assert result.code in (1, 3), command
        assert len(result.err_lines) == 1, (command, result.err)
        assert result.err_lines[0].startswith("error: ")
        if not any("Private" in part for part in command):
            assert "Private" not in result.err, command

    listed = run_cli("datasets", "list", user="bob@example.com").json()
    trash = run_cli("datasets", "list", "--deleted", user="bob@example.com").json()
    assert ds not in {d["id"] for d in listed} and trashed not in {d["id"] for d in trash}
    assert not out.exists()
    assert snapshot(app, demo.alice) == before_alice
    assert counts(app) == before_counts
