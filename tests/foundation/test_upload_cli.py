"""``videos upload DS FILE...`` stores or refuses each file on its own and says which, one
summary line per file; the exit code is non-zero when any file was refused."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.foundation.test_upload_packets import mjpeg_with_wiped_packets
from videolab.inference.probe import probe_video
from videolab.services.app import VideoLab


def test_each_file_is_stored_or_refused_on_its_own_with_a_summary_line(
    app: VideoLab, demo, make_clip, tmp_path: Path, run_cli, audit_balance
) -> None:
    app.datasets.create(demo.alice, "cards")
    one, two = make_clip(seed=20, frames=10), make_clip(seed=21, frames=12)
    (tmp_path / "card1").mkdir()
    (tmp_path / "card2").mkdir()
    first = Path(shutil.copyfile(one.path, tmp_path / "card1" / "GH010001.MP4"))
    same_name = Path(shutil.copyfile(two.path, tmp_path / "card2" / "GH010001.MP4"))
    same_content = Path(shutil.copyfile(one.path, tmp_path / "copy.mp4"))
    damaged = mjpeg_with_wiped_packets(make_clip(seed=22, frames=24).path, tmp_path / "bad.avi")
    decodable = probe_video(damaged).frame_count
    before = app.credits.balance(demo.alice)

    result = run_cli("videos", "upload", "cards", str(first), str(same_content), str(same_name),
                     str(damaged), user="alice@example.com", json=False)

    assert result.code == 1, result.err
    lines = result.out.splitlines()
    assert len(lines) == 4, result.out
    assert lines[0].startswith(f"stored   {first}: 10 frames, 0.010 tokens")
    assert lines[1].startswith(f"refused  {same_content}: ")
    assert "identical content" in lines[1] and "GH010001.MP4" in lines[1]
    assert lines[2].startswith(f'stored   {same_name} as "GH010001 (2).MP4": 12 frames')
    assert lines[3].startswith(f"stored   {damaged}: {decodable} frames")
    assert lines[3].endswith(f"{24 - decodable} of 24 frames do not decode, refunded")
    assert result.err_lines == [line for line in result.err_lines if line.startswith("error: ")]
    assert len(result.err_lines) == 1
    paid = 10 + 12 + decodable
    assert audit_balance(app, demo.alice) == (before - paid, before - paid)
    names = sorted(v.name for v in app.videos.list(demo.alice,
                                                   app.datasets.resolve(demo.alice, "cards").id))
    assert names == ["GH010001 (2).MP4", "GH010001.MP4", "bad.avi"]


def test_json_reports_each_file_and_the_checked_counts(
    app: VideoLab, demo, make_clip, tmp_path: Path, run_cli
) -> None:
    app.datasets.create(demo.bob, "json")
    good = make_clip(seed=23, frames=9).path
    damaged = mjpeg_with_wiped_packets(make_clip(seed=24, frames=24).path, tmp_path / "bad.avi")
    decodable = probe_video(damaged).frame_count
    missing = tmp_path / "missing.mp4"

    result = run_cli("videos", "upload", "json", str(good), str(missing), str(damaged),
                     user="bob@example.com")

    assert result.code == 1
    items = result.json()
    assert [i["status"] for i in items] == ["stored", "refused", "stored"]
    assert [i["file"] for i in items] == [str(good), str(missing), str(damaged)]
    assert (items[0]["frame_count"], items[0]["cost"], items[0]["frames_verified"]) == (
        9, 0.009, True
    )
    assert "missing.mp4" in items[1]["error"]
    assert items[2]["charged_frames"] == 24
    assert (items[2]["frame_count"], items[2]["frames_verified"]) == (decodable, True)
    assert round(items[2]["cost"] * 1000) == decodable


def test_all_refused_exits_with_the_refusals_code_and_stores_nothing(
    app: VideoLab, demo, clip, run_cli, counts
) -> None:
    poor = app.users.create(demo.admin, "poor@example.com", "poor-but-honest", "user", 10)
    app.datasets.create(poor, "wishes")
    rows = counts(app)
    result = run_cli("videos", "upload", "wishes", str(clip.path), str(clip.path),
                     user=poor.email, password="poor-but-honest", json=False)
    assert result.code == 4
    assert [line.split(":")[0] for line in result.out.splitlines()] == [
        f"refused  {clip.path}", f"refused  {clip.path}"
    ]
    assert counts(app) == rows


def test_a_file_already_stored_in_another_dataset_is_refused_unless_again(
    app: VideoLab, demo, make_clip, run_cli, audit_balance
) -> None:
    """The GUI asks before charging for a second copy; the command cannot ask a script, so it
    refuses the file (nothing charged) and says how to store it anyway."""
    clip = make_clip(seed=25, frames=7)
    app.datasets.create(demo.alice, "Birds")
    app.datasets.create(demo.alice, "Best of")
    stored = run_cli("videos", "upload", "Birds", str(clip.path), user="alice@example.com")
    assert stored.code == 0, stored.err
    before = app.credits.balance(demo.alice)

    again = run_cli("videos", "upload", "Best of", str(clip.path), user="alice@example.com",
                    json=False)

    assert again.code == 1
    assert again.out.startswith(f"refused  {clip.path}: ")
    assert f"already stored in dataset 'Birds' as '{clip.path.name}'" in again.out
    assert "--again" in again.out and "nothing was charged" in again.out
    assert audit_balance(app, demo.alice) == (before, before)

    forced = run_cli("videos", "upload", "--again", "Best of", str(clip.path),
                     user="alice@example.com")
    assert forced.code == 0, forced.err
    assert forced.json()[0]["status"] == "stored"
    assert audit_balance(app, demo.alice) == (before - 7, before - 7)
