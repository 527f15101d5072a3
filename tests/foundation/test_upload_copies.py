"""``VideoService.copies_elsewhere``: where the user already stored a file's content."""

from __future__ import annotations

from pathlib import Path

from videolab.services.app import VideoLab


def test_copies_are_found_by_content_in_the_owners_other_datasets(  # type: ignore[no-untyped-def]
    app: VideoLab, demo, make_clip, tmp_path: Path
) -> None:
    clip = make_clip(seed=31, frames=8)
    alice, bob = demo.alice, demo.bob
    first = app.datasets.create(alice, "First")
    second = app.datasets.create(alice, "Second")
    app.videos.upload(alice, first.id, clip.path)

    probe = app.videos.probe_upload(alice, second.id, clip.path)
    copies = app.videos.copies_elsewhere(alice, second.id, probe)
    assert [(c.dataset_name, c.video_name, c.in_trash) for c in copies] == [
        ("First", clip.path.name, False)
    ]
    # the dataset it goes into is not "elsewhere" (the store refuses that case itself)
    assert app.videos.copies_elsewhere(alice, first.id, probe) == []

    app.datasets.delete(alice, first.id)  # to the trash: still stored, still named
    assert [c.in_trash for c in app.videos.copies_elsewhere(alice, second.id, probe)] == [True]

    # another account's datasets are none of alice's business
    theirs = app.datasets.create(bob, "Bob's")
    assert app.videos.copies_elsewhere(
        bob, theirs.id, app.videos.probe_upload(bob, theirs.id, clip.path)
    ) == []


def test_amounts_in_sentences_have_no_needless_zeros() -> None:
    from videolab.domain.money import format_tokens, tokens_text

    assert tokens_text(100_000) == "100 tokens"  # "100.000" reads as 100000 in many locales
    assert tokens_text(10) == "0.01 tokens"
    assert tokens_text(1_000) == "1 token"
    assert tokens_text(-480) == "-0.48 tokens"
    assert format_tokens(100_000) == "100.000"  # the CLI's tables and files keep three decimals
