"""Dataset names are unique per user among live datasets; trash and restore respect that."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy.exc import IntegrityError

from videolab.db.models import Dataset
from videolab.domain.errors import Conflict, InvalidInput, NotFound, VideoLabError
from videolab.inference.synthetic import SyntheticVideo
from videolab.services.app import VideoLab


def test_duplicate_refused_while_live_allowed_after_delete_restore_refuses_collision(
    app: VideoLab, demo, counts
) -> None:
    alice = demo.alice
    first = app.datasets.create(alice, "Birds", ["wildlife"])
    rows = counts(app)

    with pytest.raises(Conflict) as dup:
        app.datasets.create(alice, "Birds")
    assert "Birds" in dup.value.message and "already" in dup.value.message
    with pytest.raises(Conflict):
        app.datasets.create(alice, "  Birds  ")  # names are trimmed before comparing
    assert counts(app) == rows

    app.datasets.delete(alice, first.id)
    second = app.datasets.create(alice, "Birds", ["demo"])
    assert second.id != first.id
    assert [d.id for d in app.datasets.list(alice, deleted=True) if d.name == "Birds"] == [
        first.id
    ]

    with pytest.raises(Conflict) as clash:
        app.datasets.restore(alice, first.id)
    message = clash.value.message
    assert "Birds" in message and "restore" in message.lower() and "\n" not in message
    assert app.datasets.get(alice, first.id).is_deleted  # nothing changed

    app.datasets.rename(alice, second.id, "Birds (new)")
    restored = app.datasets.restore(alice, first.id)
    assert not restored.is_deleted and restored.name == "Birds"
    assert restored.tags == ("wildlife",)
    live = sorted(d.name for d in app.datasets.list(alice))
    assert "Birds" in live and "Birds (new)" in live


def test_rename_onto_a_live_name_is_refused_but_onto_a_deleted_one_is_fine(
    app: VideoLab, demo
) -> None:
    alice = demo.alice
    a = app.datasets.create(alice, "A")
    b = app.datasets.create(alice, "B")
    with pytest.raises(Conflict):
        app.datasets.rename(alice, b.id, "A")
    assert app.datasets.rename(alice, a.id, "A").name == "A"  # renaming to itself is no clash
    app.datasets.delete(alice, a.id)
    assert app.datasets.rename(alice, b.id, "A").name == "A"


def test_same_name_for_different_users_is_fine(app: VideoLab, demo) -> None:
    a = app.datasets.create(demo.alice, "Shared name")
    b = app.datasets.create(demo.bob, "Shared name")
    assert a.id != b.id


def test_the_database_itself_refuses_two_live_datasets_with_one_name(
    app: VideoLab, demo
) -> None:
    """The partial unique index guards the rule even for code that skips the service."""
    with app.db.write() as s:
        s.add(Dataset(user_id=demo.bob.id, name="Twice"))
    with pytest.raises(IntegrityError), app.db.write() as s:
        s.add(Dataset(user_id=demo.bob.id, name="Twice"))
    from videolab.db.types import utcnow

    with app.db.write() as s:  # deleted rows may repeat a name
        s.add(Dataset(user_id=demo.bob.id, name="Twice", deleted_at=utcnow()))
        s.add(Dataset(user_id=demo.bob.id, name="Twice", deleted_at=utcnow()))


def test_concurrent_creates_of_one_name_give_one_dataset_and_conflicts(
    app: VideoLab, demo
) -> None:
    barrier = threading.Barrier(4)
    outcomes: list[object] = []
    lock = threading.Lock()

    def create() -> None:
        barrier.wait()
        try:
            result: object = app.datasets.create(demo.bob, "Race")
        except Exception as exc:
            result = exc
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(outcomes) - len(errors) == 1
    assert all(isinstance(e, Conflict) for e in errors), errors
    assert [d.name for d in app.datasets.list(demo.bob)].count("Race") == 1


def test_several_deleted_with_one_name_restore_by_name_is_ambiguous_by_id_works(
    app: VideoLab, demo, run_cli
) -> None:
    alice = demo.alice
    ids = []
    for _ in range(2):
        ds = app.datasets.create(alice, "Old")
        app.datasets.delete(alice, ds.id)
        ids.append(ds.id)
    result = run_cli("datasets", "restore", "Old", user=alice.email)
    assert result.code == 1 and len(result.err_lines) == 1 and "id" in result.err
    result = run_cli("datasets", "restore", str(ids[1]), user=alice.email)
    assert result.code == 0 and result.json()["id"] == str(ids[1])
    result = run_cli("datasets", "restore", str(ids[0]), user=alice.email)
    assert result.code == 1
    assert len(result.err_lines) == 1 and "Cannot restore 'Old'" in result.err


def test_unknown_tag_is_refused_and_nothing_is_created(app: VideoLab, demo, counts) -> None:
    rows = counts(app)
    with pytest.raises(InvalidInput) as refused:
        app.datasets.create(demo.alice, "Tagged", ["wildlife", "no-such-tag"])
    assert "no-such-tag" in refused.value.message
    assert counts(app) == rows
    ds = app.datasets.create(demo.alice, "Tagged", ["WildLife"])  # tag names ignore case
    assert ds.tags == ("wildlife",)
    with pytest.raises(InvalidInput):
        app.datasets.set_tags(demo.alice, ds.id, ["nope"])
    assert app.datasets.get(demo.alice, ds.id).tags == ("wildlife",)


@pytest.mark.parametrize("bad", ["", "   ", "x" * 201, "tab\there", "nul\x00"])
def test_bad_dataset_names_are_refused(app: VideoLab, demo, bad: str) -> None:
    with pytest.raises(InvalidInput):
        app.datasets.create(demo.alice, bad)


def test_a_deleted_dataset_hides_its_videos_and_refuses_uploads(
    app: VideoLab, demo, clip: SyntheticVideo
) -> None:
    bob = demo.bob
    ds = app.datasets.create(bob, "Soon gone")
    video = app.videos.upload(bob, ds.id, clip.path)
    app.datasets.delete(bob, ds.id)
    assert all(d.id != ds.id for d in app.datasets.list(bob))
    for call in (
        lambda: app.videos.list(bob, ds.id),
        lambda: app.videos.get(bob, video.id),
        lambda: app.videos.upload(bob, ds.id, clip.path),
        lambda: app.datasets.rename(bob, ds.id, "x"),
    ):
        with pytest.raises(NotFound):
            call()
    restored = app.datasets.restore(bob, ds.id)
    assert restored.video_count == 1
    assert app.videos.get(bob, video.id).sha256 == video.sha256


def test_list_filters_by_tag_and_search(app: VideoLab, demo) -> None:
    bob = demo.bob
    app.datasets.create(bob, "Cats 100%", ["wildlife"])
    app.datasets.create(bob, "Cars", ["traffic"])
    assert [d.name for d in app.datasets.list(bob, tag="wildlife")] == ["Cats 100%"]
    assert [d.name for d in app.datasets.list(bob, search="ca")] == ["Cars", "Cats 100%"]
    assert [d.name for d in app.datasets.list(bob, search="0%")] == ["Cats 100%"]
    assert app.datasets.list(bob, search="_") == []  # LIKE wildcards are literal here
    with pytest.raises(NotFound):
        app.datasets.get(bob, uuid.uuid4())


def test_errors_are_videolab_errors(app: VideoLab, demo) -> None:
    with pytest.raises(VideoLabError):
        app.datasets.create(demo.alice, "")


def test_non_ascii_names_are_found_by_search_and_tag(app: VideoLab, demo) -> None:
    """Case folding must agree between Python and the database for names beyond ASCII."""
    tag = app.tags.add(demo.admin, "Überwachung")
    with pytest.raises(Conflict):
        app.tags.add(demo.admin, "Überwachung")
    ds = app.datasets.create(demo.bob, "Élan vital", ["Überwachung"])
    assert ds.tags == (tag.name,)
    assert [d.id for d in app.datasets.list(demo.bob, search="Élan")] == [ds.id]
    assert [d.id for d in app.datasets.list(demo.bob, tag="Überwachung")] == [ds.id]


def test_search_and_order_ignore_case_beyond_ascii(app: VideoLab, demo) -> None:
    """SQLite's own LIKE and lower() fold ASCII only: 'élan' missed 'Élan vital' and 'É'
    sorted after 'Z'. The database now folds as Python's str.casefold does."""
    bob = demo.bob
    for name in ("Élan vital", "Zebras", "Straße 5", "Ödland", "apples"):
        app.datasets.create(bob, name, [])

    def found(search: str) -> list[str]:
        return [d.name for d in app.datasets.list(bob, search=search)]

    assert found("élan") == ["Élan vital"]
    assert found("ÉLAN VITAL") == ["Élan vital"]
    assert found("STRASSE") == ["Straße 5"]
    assert found("öd") == ["Ödland"]
    assert found("%") == []  # still literal after folding
    assert [d.name for d in app.datasets.list(bob)] == [
        "apples",
        "Élan vital",
        "Ödland",
        "Straße 5",
        "Zebras",
    ]


def test_tags_are_listed_in_name_order_ignoring_case_and_accents(app: VideoLab, demo) -> None:
    for name in ("zoo", "Éclair", "Alpha", "émeute"):
        app.tags.add(demo.admin, name)
    names = [t.name for t in app.tags.list(demo.admin)]
    mine = [n for n in names if n in {"zoo", "Éclair", "Alpha", "émeute"}]
    assert mine == ["Alpha", "Éclair", "émeute", "zoo"]
    assert names == sorted(names, key=lambda n: (n.casefold().replace("é", "e"), n))
