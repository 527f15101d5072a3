"""Disable, enable, delete and reset the password of an account (issue 10 item 11)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, update

from videolab.db.models import CreditEntry, InferenceJob, User
from videolab.domain.enums import JobStatus, LedgerReason, Role
from videolab.domain.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
)
from videolab.domain.params import DetectionParams
from videolab.services.app import VideoLab
from videolab.services.auth import FREE_ATTEMPTS
from videolab.services.base import ACCOUNT_DISABLED
from videolab.services.seed import DEMO_PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def money_is_exact(app: VideoLab) -> None:
    """Every balance equals its ledger, and no ledger row lost its account."""
    with app.db.read() as s:
        for user in s.scalars(select(User)).all():
            total = s.scalar(
                select(func.coalesce(func.sum(CreditEntry.delta), 0)).where(
                    CreditEntry.user_id == user.id
                )
            )
            assert user.tokens == int(total or 0) >= 0, user.email


def demo_video_id(app: VideoLab, demo: Any) -> Any:
    dataset = app.datasets.resolve(demo.alice, "Moving shapes")
    return app.videos.list(demo.alice, dataset.id)[0].id


# -- disable / enable ----------------------------------------------------------------------
def test_a_disabled_account_cannot_sign_in_and_its_sessions_end_at_once(
    app: VideoLab, demo
) -> None:
    remembered = app.auth.login("alice@example.com", DEMO_PASSWORD, remember=True)
    assert remembered.session_token is not None
    open_session = remembered.user  # what a window that stays open holds
    dataset = app.datasets.resolve(open_session, "Moving shapes")

    report = app.users.disable(demo.admin, "alice@example.com")
    assert report.user.is_disabled

    with pytest.raises(AuthenticationFailed, match="disabled"):
        app.auth.login("alice@example.com", DEMO_PASSWORD)
    with pytest.raises(AuthenticationFailed):  # the remember-me token is revoked
        app.auth.login_with_token(remembered.session_token)
    with pytest.raises(AuthenticationFailed, match="disabled"):  # the open window's next action
        app.datasets.list(open_session)
    with pytest.raises(AuthenticationFailed, match="disabled"):
        app.videos.list(open_session, dataset.id)
    # A wrong password is told only "wrong": whether an account is disabled is for its owner.
    with pytest.raises(AuthenticationFailed, match="Wrong email or password"):
        app.auth.login("alice@example.com", "not the password")

    listed = {u.email: u.is_disabled for u in app.users.list(demo.admin)}
    assert listed["alice@example.com"] is True and listed["bob@example.com"] is False

    enabled = app.users.enable(demo.admin, "alice@example.com")
    assert not enabled.is_disabled
    assert app.auth.login("alice@example.com", DEMO_PASSWORD).user.email == "alice@example.com"
    assert app.datasets.list(open_session)  # its data was kept
    with pytest.raises(AuthenticationFailed):  # revoked means revoked, even after enabling
        app.auth.login_with_token(remembered.session_token)


def test_disabling_stops_the_accounts_jobs_and_settles_them_exactly(app: VideoLab, demo) -> None:
    video_id = demo_video_id(app, demo)
    pending = app.jobs.create(demo.alice, video_id, DetectionParams(end=10))
    running = app.jobs.create(demo.alice, video_id, DetectionParams(end=20))
    with app.db.write() as s:  # as a job process would have marked it, 5 frames in
        s.execute(update(InferenceJob).where(InferenceJob.id == running.id)
                  .values(status=JobStatus.RUNNING, frames_processed=5))
    before_jobs = app.credits.balance(demo.alice) + pending.held_milli + running.held_milli

    report = app.users.disable(demo.admin, "alice@example.com")

    assert report.jobs_stopped == 2
    with app.db.read() as s:
        p = s.get(InferenceJob, pending.id)
        r = s.get(InferenceJob, running.id)
        assert p is not None and r is not None
        assert (p.status, p.charged) == (JobStatus.ABORTED, 0)  # refunded at once
        assert (r.status, r.charged) == (JobStatus.ABORTED, 10)  # 5 frames x 0.002 token
        alice = s.get(User, demo.alice.id)
        assert alice is not None and alice.tokens == before_jobs - 10
    money_is_exact(app)


def test_who_may_disable_delete_and_reset(app: VideoLab, demo) -> None:
    for action in (
        lambda: app.users.disable(demo.alice, "bob@example.com"),
        lambda: app.users.enable(demo.alice, "bob@example.com"),
        lambda: app.users.delete(demo.alice, "bob@example.com"),
        lambda: app.users.reset_password(demo.alice, "bob@example.com", NEW_PASSWORD),
    ):
        with pytest.raises(PermissionDenied):
            action()
    with pytest.raises(Conflict, match="your own account"):
        app.users.disable(demo.admin, "admin@example.com")
    with pytest.raises(Conflict, match="your own account"):
        app.users.delete(demo.admin, "admin@example.com")
    with pytest.raises(Conflict, match="change password"):
        app.users.reset_password(demo.admin, "admin@example.com", NEW_PASSWORD)
    with pytest.raises(NotFound):
        app.users.disable(demo.admin, "nobody@example.com")

    # A second administrator may be disabled; then the first is the last one able to act.
    second = app.users.create(demo.admin, "root@example.com", NEW_PASSWORD, Role.ADMIN)
    app.users.disable(demo.admin, second.email)
    with pytest.raises(Conflict, match="at least one administrator"):
        app.users.set_role(demo.admin, "admin@example.com", Role.USER)
    # A disabled administrator can do nothing, even with a DTO from before.
    with pytest.raises(AuthenticationFailed):
        app.users.enable(second, second.email)


# -- delete ----------------------------------------------------------------------------------
def test_deleting_hands_data_and_balance_over_and_keeps_the_ledger(
    app: VideoLab, demo, clip
) -> None:
    video_id = demo_video_id(app, demo)
    job = app.jobs.create(demo.alice, video_id, DetectionParams(end=10))
    app.jobs.cancel(demo.alice, job.id)  # final: hold and refund in alice's ledger
    bob_set = app.datasets.create(demo.bob, "Moving shapes")  # a name alice's dataset has
    with app.db.read() as s:
        ledger_rows = s.scalar(select(func.count()).where(CreditEntry.user_id == demo.alice.id))
    alice_tokens = app.credits.balance(demo.alice)
    bob_tokens = app.credits.balance(demo.bob)

    gone = app.users.delete(demo.admin, "alice@example.com", to_email="bob@example.com")

    assert (gone.email, gone.to_email) == ("alice@example.com", "bob@example.com")
    assert gone.datasets == 2 and gone.jobs == 1 and gone.tokens_milli == alice_tokens
    live = {d.name for d in app.datasets.list(demo.bob)}
    assert live == {"Moving shapes", "Moving shapes (from alice@example.com)"}
    assert bob_set.id in {d.id for d in app.datasets.list(demo.bob)}
    assert [d.name for d in app.datasets.list(demo.bob, deleted=True)] == ["Street scenes (old)"]
    assert app.videos.get(demo.bob, video_id).id == video_id  # videos came along
    assert [j.id for j in app.jobs.list(demo.bob)] == [job.id]
    assert app.credits.balance(demo.bob) == bob_tokens + alice_tokens

    with app.db.read() as s:
        row = s.get(User, demo.alice.id)
        assert row is not None and row.deleted_at is not None and row.tokens == 0
        kept = s.scalars(select(CreditEntry).where(CreditEntry.user_id == demo.alice.id)).all()
        assert len(kept) == ledger_rows + 1  # every row, plus the transfer out
        assert [e.delta for e in kept if e.reason == LedgerReason.TRANSFER] == [-alice_tokens]
        assert any(e.job_id == job.id for e in kept)  # the job's hold still names it
    money_is_exact(app)

    with pytest.raises(AuthenticationFailed, match="Wrong email or password"):
        app.auth.login("alice@example.com", DEMO_PASSWORD)
    with pytest.raises(AuthenticationFailed):
        app.datasets.list(demo.alice)
    assert "alice@example.com" not in {u.email for u in app.users.list(demo.admin)}
    # The email is free again: a new account, empty, not the old one back.
    again = app.users.create(demo.admin, "alice@example.com", NEW_PASSWORD, Role.USER)
    assert again.id != demo.alice.id and app.datasets.list(again) == []
    assert again.tokens_milli == 0


def test_deleting_goes_to_the_deleting_admin_by_default_and_settles_live_jobs_first(
    app: VideoLab, demo
) -> None:
    video_id = demo_video_id(app, demo)
    job = app.jobs.create(demo.alice, video_id, DetectionParams(end=10))
    before_job = app.credits.balance(demo.alice) + job.held_milli
    admin_tokens = app.credits.balance(demo.admin)

    gone = app.users.delete(demo.admin, "alice@example.com")

    assert gone.to_email == "admin@example.com"
    # The hold came back to alice before her balance moved: the admin got all of it.
    assert gone.tokens_milli == before_job
    assert app.credits.balance(demo.admin) == admin_tokens + before_job
    assert app.jobs.get(demo.admin, job.id).status is JobStatus.ABORTED
    assert "Moving shapes" in {d.name for d in app.datasets.list(demo.admin)}
    money_is_exact(app)


# -- reset password --------------------------------------------------------------------------
def test_an_admin_resets_a_password_and_the_old_sessions_end(app: VideoLab, demo) -> None:
    token = app.auth.login("bob@example.com", DEMO_PASSWORD, remember=True).session_token
    assert token is not None
    for _ in range(FREE_ATTEMPTS + 1):  # bob forgot it and got himself locked out
        with pytest.raises(AuthenticationFailed):
            app.auth.login("bob@example.com", "guess")

    app.users.reset_password(demo.admin, "bob@example.com", NEW_PASSWORD)

    with pytest.raises(AuthenticationFailed):
        app.auth.login_with_token(token)
    with pytest.raises(AuthenticationFailed, match="Wrong email or password"):
        app.auth.login("bob@example.com", DEMO_PASSWORD)
    assert app.auth.login("bob@example.com", NEW_PASSWORD).user.email == "bob@example.com"


# -- the command line ------------------------------------------------------------------------
def test_cli_users_disable_enable_delete_reset_password(
    app: VideoLab, demo, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = "admin@example.com"
    done = run_cli("users", "disable", "bob@example.com", user=admin)
    assert done.code == 0, done.err
    assert done.json()["disabled"] is True
    refused = run_cli("whoami", user="bob@example.com")
    assert refused.code == 3 and refused.err_lines == [f"error: {ACCOUNT_DISABLED}"]
    listed = {u["email"]: u["disabled"] for u in run_cli("users", "list", user=admin).json()}
    assert listed["bob@example.com"] is True

    assert run_cli("users", "enable", "bob@example.com", user=admin).code == 0
    assert run_cli("whoami", user="bob@example.com").code == 0

    monkeypatch.setenv("VIDEOLAB_NEW_PASSWORD", NEW_PASSWORD)
    reset = run_cli("users", "reset-password", "bob@example.com", user=admin, json=False)
    assert reset.code == 0 and "saved sessions are ended" in reset.out
    assert run_cli("whoami", user="bob@example.com", password=NEW_PASSWORD).code == 0

    itself = run_cli("users", "delete", admin, user=admin)
    assert itself.code == 1 and "your own account" in itself.err
    by_user = run_cli("users", "delete", "alice@example.com", user="bob@example.com",
                      password=NEW_PASSWORD)
    assert by_user.code == 3
    deleted = run_cli("users", "delete", "bob@example.com", "--to", "alice@example.com",
                      user=admin)
    assert deleted.code == 0, deleted.err
    assert deleted.json()["to"] == "alice@example.com" and deleted.json()["tokens"] == 50.0
    money_is_exact(app)

    helps = run_cli("users", "delete", "--help", json=False)
    assert helps.code == 0 and "ledger is kept" in helps.out and "--to" in helps.out
    assert "sessions end" in run_cli("users", "disable", "--help", json=False).out
