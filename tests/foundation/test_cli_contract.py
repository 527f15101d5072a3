"""``videolab-cli``: the JSON shapes and exit codes scripts rely on (DESIGN.md, issue 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from videolab.inference.synthetic import SyntheticVideo
from videolab.services.app import VideoLab
from videolab.services.seed import DEMO_PASSWORD
from videolab.settings import AppPaths


def test_init_demo_twice_leaves_exactly_the_demo_data(
    tmp_home: AppPaths, tmp_path: Path, cli_process, counts
) -> None:
    db = tmp_path / "fresh" / "videolab.db"
    first = cli_process("--json", "--db", str(db), "init", "--demo")
    assert first.code == 0, first.err
    report = json.loads(first.out)  # one JSON document
    assert report["demo"] == {"users": 3, "tags": 5, "datasets": 2, "videos": 1}
    second = cli_process("--json", "--db", str(db), "init", "--demo")
    assert second.code == 0, second.err
    assert json.loads(second.out)["demo"] == {"users": 0, "tags": 0, "datasets": 0, "videos": 0}

    with VideoLab.open(str(db), paths=tmp_home) as app:
        rows = counts(app)
        assert (rows.users, rows.datasets, rows.videos) == (3, 2, 1)
        admin = app.auth.login("admin@example.com", DEMO_PASSWORD).user
        users = {u.email: (u.role.value, u.tokens_milli) for u in app.users.list(admin)}
        assert users == {
            "admin@example.com": ("admin", 1_000_000),
            "alice@example.com": ("user", 100_000),
            "bob@example.com": ("user", 50_000),
        }
        assert len(app.tags.list(admin)) == 5
        alice = app.auth.login("alice@example.com", DEMO_PASSWORD).user
        live, trash = app.datasets.list(alice), app.datasets.list(alice, deleted=True)
        assert len(live) == 1 and len(trash) == 1
        assert set(live[0].tags) != set(trash[0].tags)  # different tags
        assert live[0].video_count == 1
        # The demo video was seeded, not charged: every balance equals its opening grant.
        for email, (_, milli) in users.items():
            _, entries = app.credits.ledger(admin, email)
            assert [e.delta_milli for e in entries] == [milli]


def test_cli_in_its_own_process_whoami_auth_failures_and_usage(
    app: VideoLab, app_db: Path, cli_process, tmp_path: Path
) -> None:
    env = {"VIDEOLAB_PASSWORD": DEMO_PASSWORD}
    who = cli_process("--json", "--db", str(app_db), "--user", "alice@example.com", "whoami",
                      env=env)
    assert who.code == 0, who.err
    assert json.loads(who.out) == {
        "id": json.loads(who.out)["id"], "email": "alice@example.com", "role": "user",
        "tokens": 100.0,
    }
    by_env = cli_process("--json", "--db", str(app_db), "whoami",
                         env={**env, "VIDEOLAB_USER": "bob@example.com"})
    assert by_env.code == 0 and json.loads(by_env.out)["tokens"] == 50.0

    wrong = cli_process("--db", str(app_db), "--user", "alice@example.com", "whoami",
                        env={"VIDEOLAB_PASSWORD": "nope nope nope"})
    unknown = cli_process("--db", str(app_db), "--user", "nobody@example.com", "whoami",
                          env=env)
    assert wrong.code == unknown.code == 3
    assert wrong.err == unknown.err and len(wrong.err_lines) == 1
    assert wrong.out == unknown.out == ""



@pytest.mark.parametrize(
    "argv",
    [("datasets",), ("videos", "upload", "only-a-dataset"), ("--no-such-option", "whoami"),
     ("datasets", "create"), ("users", "add", "x@example.com", "--role", "boss")],
)
def test_usage_errors_exit_2(app: VideoLab, run_cli, argv: tuple[str, ...]) -> None:
    result = run_cli(*argv, user="alice@example.com")
    assert result.code == 2
    assert result.out == ""
    assert "usage:" in result.err


def test_cli_bad_file_gets_one_line_on_stderr_even_from_its_own_process(
    app: VideoLab, demo, app_db: Path, clip: SyntheticVideo, cli_process, tmp_path: Path
) -> None:
    """The decoder's own complaints (FFmpeg, OpenCV) must not bury the one clear line."""
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(clip.path.read_bytes()[: clip.path.stat().st_size // 2])
    app.datasets.create(demo.alice, "clips")
    result = cli_process("--db", str(app_db), "--user", "alice@example.com", "videos", "upload",
                         "clips", str(truncated), env={"VIDEOLAB_PASSWORD": DEMO_PASSWORD})
    assert result.code == 1
    assert result.err_lines == [result.err_lines[0]] and "truncated.mp4" in result.err, result.err


def test_json_shapes_of_upload_and_list_commands(
    app: VideoLab, demo, clip: SyntheticVideo, run_cli
) -> None:
    created = run_cli("datasets", "create", "From CLI", "--tag", "demo", "--tag", "sports",
                      user="bob@example.com")
    assert created.code == 0
    dataset = created.json()
    assert dataset["name"] == "From CLI" and dataset["tags"] == ["demo", "sports"]

    uploaded = run_cli("videos", "upload", "From CLI", str(clip.path), user="bob@example.com")
    assert uploaded.code == 0, uploaded.err
    items = uploaded.json()
    assert isinstance(items, list) and len(items) == 1
    video = items[0]
    assert {"id", "name", "frame_count", "cost"} <= set(video)
    assert (video["name"], video["frame_count"], video["cost"]) == (clip.path.name, 48, 0.048)

    lists = {
        "tags": run_cli("tags", "list", user="bob@example.com"),
        "datasets": run_cli("datasets", "list", user="bob@example.com"),
        "trash": run_cli("datasets", "list", "--deleted", user="alice@example.com"),
        "by tag": run_cli("datasets", "list", "--tag", "sports", user="bob@example.com"),
        "videos": run_cli("videos", "list", "From CLI", user="bob@example.com"),
        "users": run_cli("users", "list", user="admin@example.com"),
    }
    for what, result in lists.items():
        assert result.code == 0, (what, result.err)
        data = result.json()
        assert isinstance(data, list) and data, what
        assert all(isinstance(item, dict) and "id" in item for item in data), what
    assert [v["id"] for v in lists["videos"].json()] == [video["id"]]
    assert {t["name"] for t in lists["tags"].json()} == {
        "demo", "synthetic", "traffic", "wildlife", "sports"
    }
    assert [d["name"] for d in lists["by tag"].json()] == ["From CLI"]
    assert lists["trash"].json()[0]["deleted_at"] is not None

    who = run_cli("whoami", user="bob@example.com").json()
    assert who["tokens"] == 49.952  # 50 - 48 frames x 0.001
    ledger = run_cli("credits", "ledger", user="bob@example.com").json()
    assert ledger["tokens"] == 49.952
    assert [e["delta"] for e in ledger["entries"]] == [50.0, -0.048]
    assert ledger["entries"][-1]["video_id"] == video["id"]


def test_cli_text_output_and_export_round_trip(
    app: VideoLab, demo, clip: SyntheticVideo, run_cli, tmp_path: Path
) -> None:
    app.datasets.create(demo.bob, "Texts")
    text = run_cli("videos", "upload", "Texts", str(clip.path), user="bob@example.com",
                   json=False)
    assert text.code == 0 and "48 frames" in text.out and "0.048" in text.out
    video_id = app.videos.list(demo.bob, app.datasets.resolve(demo.bob, "Texts").id)[0].id
    out = tmp_path / "back.mp4"
    exported = run_cli("videos", "export", str(video_id), "--out", str(out),
                       user="bob@example.com")
    assert exported.code == 0 and exported.json() == {"path": str(out)}
    assert out.read_bytes() == clip.path.read_bytes()
    bad_id = run_cli("videos", "export", "not-a-uuid", "--out", str(out), user="bob@example.com")
    assert bad_id.code == 1 and len(bad_id.err_lines) == 1


@pytest.mark.parametrize("missing", ["user", "password"])
def test_cli_without_credentials_exits_3(app: VideoLab, run_cli, missing: str) -> None:
    if missing == "user":
        result = run_cli("whoami")
    else:
        result = run_cli("whoami", user="alice@example.com", password=None)
    assert result.code == 3 and len(result.err_lines) == 1


def test_an_unexpected_error_with_a_long_message_is_still_one_line(
    run_cli, tmp_path: Path, tmp_home: AppPaths
) -> None:
    # SQLAlchemy explains a bad SQLite URL over four lines.
    result = run_cli("init", db=f"sqlite://someone:secret@/{tmp_path}/x.db")
    assert result.code == 1
    assert len(result.err_lines) == 1, result.err
    assert "secret" not in result.err


def test_init_never_prints_the_database_password(
    app: VideoLab, app_db: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--db postgresql://user:password@host/db`` must not end up in logs and CI output."""
    from videolab import cli

    real_open = VideoLab.open

    def open_as_if_remote(db: str | None = None, **kwargs: object) -> VideoLab:
        lab = real_open(db, **kwargs)  # type: ignore[arg-type]
        lab.db.url = "postgresql+psycopg://videolab:hunter2@db.example.com/videolab"
        return lab

    monkeypatch.setattr(cli.VideoLab, "open", staticmethod(open_as_if_remote))
    for as_json in (True, False):
        result = run_cli("init", json=as_json)
        assert result.code == 0, result.err
        assert "hunter2" not in result.out + result.err
        assert "db.example.com" in result.out


def test_a_file_name_with_a_newline_still_gets_one_error_line(
    app: VideoLab, demo, run_cli, tmp_path: Path
) -> None:
    odd = tmp_path / "two\nlines.mp4"
    odd.write_bytes(b"")
    app.datasets.create(demo.alice, "odd names")
    result = run_cli("videos", "upload", "odd names", str(odd), user="alice@example.com")
    assert result.code == 1
    assert len(result.err_lines) == 1 and "lines.mp4" in result.err
