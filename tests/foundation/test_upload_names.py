"""Cameras name files GH010001.MP4 on every card: a name already in the dataset is kept apart
with a suffix; only identical content is refused, and the refusal says so."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from videolab.domain.errors import Conflict
from videolab.inference.synthetic import SyntheticVideo
from videolab.services.app import VideoLab


def card(tmp_path: Path, card: str, clip: SyntheticVideo, name: str = "GH010001.MP4") -> Path:
    folder = tmp_path / card
    folder.mkdir(exist_ok=True)
    return Path(shutil.copyfile(clip.path, folder / name))


def test_same_name_different_content_is_kept_with_a_suffix(
    app: VideoLab, demo, make_clip, tmp_path: Path, counts, audit_balance
) -> None:
    bob = demo.bob
    dataset = app.datasets.create(bob, "two cards")
    clips = [make_clip(seed=40 + i, frames=6 + i) for i in range(3)]
    before = app.credits.balance(bob)

    first = app.videos.upload(bob, dataset.id, card(tmp_path, "card1", clips[0]))
    second = app.videos.upload(bob, dataset.id, card(tmp_path, "card2", clips[1]))
    third = app.videos.upload(bob, dataset.id, card(tmp_path, "card3", clips[2]))

    assert [first.name, second.name, third.name] == [
        "GH010001.MP4", "GH010001 (2).MP4", "GH010001 (3).MP4"
    ]
    assert len({first.sha256, second.sha256, third.sha256}) == 3
    assert sorted(v.name for v in app.videos.list(bob, dataset.id)) == sorted(
        [first.name, second.name, third.name]
    )
    paid = first.cost_milli + second.cost_milli + third.cost_milli
    assert paid == 6 + 7 + 8
    assert audit_balance(app, bob) == (before - paid, before - paid)
    # Exported into one folder, they do not overwrite one another.
    out = tmp_path / "out"
    out.mkdir()
    for video in (first, second, third):
        app.videos.export(bob, video.id, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [first.name, second.name, third.name]
    )


def test_suffix_for_names_without_extension_and_at_the_length_limit(
    app: VideoLab, demo, make_clip, tmp_path: Path
) -> None:
    alice = demo.alice
    dataset = app.datasets.create(alice, "odd names")
    a, b, c, d = (make_clip(seed=60 + i, frames=3) for i in range(4))
    plain = [
        app.videos.upload(alice, dataset.id, card(tmp_path, f"p{i}", clip, "DJI_0001"))
        for i, clip in enumerate((a, b))
    ]
    assert [v.name for v in plain] == ["DJI_0001", "DJI_0001 (2)"]
    long_name = "x" * 251 + ".mp4"  # 255 characters, the limit
    long = [
        app.videos.upload(alice, dataset.id, card(tmp_path, f"l{i}", clip), name=long_name)
        for i, clip in enumerate((c, d))
    ]
    assert long[0].name == long_name
    assert long[1].name == "x" * 247 + " (2).mp4" and len(long[1].name) == 255


def test_identical_content_is_refused_whatever_its_name_and_nothing_is_paid(
    app: VideoLab, demo, clip: SyntheticVideo, tmp_path: Path, counts, audit_balance
) -> None:
    bob = demo.bob
    dataset = app.datasets.create(bob, "duplicates")
    stored = app.videos.upload(bob, dataset.id, card(tmp_path, "card1", clip))
    balance = app.credits.balance(bob)
    rows = counts(app)

    for again in (card(tmp_path, "card2", clip), card(tmp_path, "card3", clip, "renamed.mp4")):
        with pytest.raises(Conflict) as refused:
            app.videos.upload(bob, dataset.id, again)
        message = refused.value.message
        assert again.name in message and "identical" in message and stored.name in message
        assert "nothing was stored or charged" in message

    assert counts(app) == rows
    assert audit_balance(app, bob) == (balance, balance)
    # The same content in another dataset is a different question: allowed.
    other = app.datasets.create(bob, "elsewhere")
    assert app.videos.upload(bob, other.id, clip.path).sha256 == stored.sha256
