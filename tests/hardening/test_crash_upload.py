"""SIGKILL a real process at >= 20 random points of uploads: nothing partial, nothing lost,
nothing charged twice or for free, and the app starts cleanly afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hardening.conftest import Lab
from tests.hardening.harness import ALICE, audit, run_upload_kills
from videolab.services.app import VideoLab

KILLS = 24


@pytest.mark.timeout(300)
def test_sigkill_at_random_points_of_uploads(lab: Lab, small_clip: Path, tmp_path: Path) -> None:
    lab.app.close()  # the children own the database now; the test only audits between kills
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    stats = run_upload_kills(lab.db, lab.home, small_clip, scratch, "Moving shapes", kills=KILLS,
                             seed=6)
    assert stats.kills == KILLS
    # The kills must really land inside the store transaction, not only around it.
    assert stats.phases.get("mid-store", 0) + stats.phases.get("cli-store", 0) >= KILLS // 3, (
        stats.phases
    )

    final = audit(lab.db, deep=True).check()
    balance = final.balances[ALICE]
    # Start-up recovery is exactly-once: three starts change nothing more.
    for _ in range(3):
        with VideoLab.open(str(lab.db)) as app:
            assert app.credits.balance(lab.alice) == balance
            assert app.credits.ledger_sum(lab.alice.id) == balance
            assert len(app.videos.list(lab.alice, lab.dataset.id)) == final.videos
        again = audit(lab.db, deep=False).check()
        assert (again.videos, again.balances) == (final.videos, final.balances)
    print(f"\nupload kills: {stats.kills} {stats.phases}, committed {stats.committed}, "
          f"{stats.seconds:.1f} s")
