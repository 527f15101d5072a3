"""Sign-in, remember-me tokens, password changes, and what only administrators may do."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from videolab.db.models import AuthToken, User
from videolab.db.types import utcnow
from videolab.domain.enums import LedgerReason, Role
from videolab.domain.errors import AuthenticationFailed, InvalidInput, PermissionDenied
from videolab.services.app import VideoLab
from videolab.services.seed import DEMO_PASSWORD


def stored_hash(app: VideoLab, email: str) -> str:
    with app.db.read() as s:
        value = s.scalar(select(User.password).where(User.email == email))
    assert value is not None
    return value


def test_passwords_are_stored_as_argon2id_hashes(app: VideoLab, demo) -> None:
    created = app.users.create(demo.admin, "carol@example.com", "a long passphrase", "user")
    for email, password in (("alice@example.com", DEMO_PASSWORD),
                            (created.email, "a long passphrase")):
        value = stored_hash(app, email)
        assert value.startswith("$argon2id$")
        assert password not in value
    # Two accounts with one password get different hashes (salted).
    app.users.create(demo.admin, "dave@example.com", "a long passphrase", "user")
    assert stored_hash(app, "dave@example.com") != stored_hash(app, created.email)


def test_wrong_password_and_unknown_user_get_the_same_message(app: VideoLab) -> None:
    assert app.auth.login("alice@example.com", DEMO_PASSWORD).user.email == "alice@example.com"
    assert app.auth.login("  ALICE@example.com ", DEMO_PASSWORD).user.role is Role.USER
    with pytest.raises(AuthenticationFailed) as wrong:
        app.auth.login("alice@example.com", "not the password")
    with pytest.raises(AuthenticationFailed) as unknown:
        app.auth.login("nobody@example.com", DEMO_PASSWORD)
    assert wrong.value.message == unknown.value.message
    assert wrong.value.exit_code == unknown.value.exit_code == 3


def test_remember_me_token_is_stored_hashed_and_revocable(app: VideoLab) -> None:
    plain = app.auth.login("bob@example.com", DEMO_PASSWORD)
    assert plain.session_token is None
    result = app.auth.login("bob@example.com", DEMO_PASSWORD, remember=True)
    token = result.session_token
    assert token is not None and len(token) >= 32
    with app.db.read() as s:
        rows = s.scalars(select(AuthToken)).all()
        assert [r.token_hash for r in rows] == [hashlib.sha256(token.encode()).hexdigest()]
        assert all(token not in (r.token_hash or "") for r in rows)
        assert rows[0].expires_at > utcnow() + timedelta(days=1)

    assert app.auth.login_with_token(token).email == "bob@example.com"
    app.auth.revoke_token(token)
    with pytest.raises(AuthenticationFailed):
        app.auth.login_with_token(token)
    with pytest.raises(AuthenticationFailed):
        app.auth.login_with_token("made-up-token")


def test_expired_token_is_refused(app: VideoLab) -> None:
    token = app.auth.login("bob@example.com", DEMO_PASSWORD, remember=True).session_token
    assert token is not None
    with app.db.write() as s:
        for row in s.scalars(select(AuthToken)):
            row.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(AuthenticationFailed):
        app.auth.login_with_token(token)


def test_changing_the_password_revokes_every_remembered_session(app: VideoLab, demo) -> None:
    tokens = [app.auth.login("alice@example.com", DEMO_PASSWORD, remember=True).session_token
              for _ in range(2)]
    with pytest.raises(AuthenticationFailed):
        app.auth.change_password(demo.alice, "wrong old password", "brand new secret")
    assert app.auth.login_with_token(str(tokens[0])).email == "alice@example.com"
    with pytest.raises(InvalidInput):
        app.auth.change_password(demo.alice, DEMO_PASSWORD, "short")

    app.auth.change_password(demo.alice, DEMO_PASSWORD, "brand new secret")

    for token in tokens:
        with pytest.raises(AuthenticationFailed):
            app.auth.login_with_token(str(token))
    with pytest.raises(AuthenticationFailed):
        app.auth.login("alice@example.com", DEMO_PASSWORD)
    assert app.auth.login("alice@example.com", "brand new secret").user.id == demo.alice.id
    assert stored_hash(app, "alice@example.com").startswith("$argon2id$")


def test_tags_are_managed_by_administrators_only(app: VideoLab, demo) -> None:
    demo_tag = next(t for t in app.tags.list(demo.alice) if t.name == "demo")
    for attempt in (
        lambda: app.tags.add(demo.alice, "new-tag"),
        lambda: app.tags.rename(demo.alice, demo_tag.id, "renamed"),
        lambda: app.tags.delete(demo.alice, demo_tag.id),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert sorted(t.name for t in app.tags.list(demo.alice)) == [
        "demo", "sports", "synthetic", "traffic", "wildlife"
    ]
    added = app.tags.add(demo.admin, "new-tag")
    assert app.tags.rename(demo.admin, added.id, "newer-tag").name == "newer-tag"
    app.tags.delete(demo.admin, added.id)
    assert "newer-tag" not in {t.name for t in app.tags.list(demo.admin)}


def test_roles_are_read_from_the_database_not_trusted_from_the_caller(
    app: VideoLab, demo
) -> None:
    forged = dataclasses.replace(demo.alice, role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        app.tags.add(forged, "forged")
    with pytest.raises(PermissionDenied):
        app.credits.recharge(forged, "alice@example.com", 1_000_000)
    with pytest.raises(PermissionDenied):
        app.users.list(forged)


def test_recharge_is_for_administrators_and_goes_through_the_ledger(
    app: VideoLab, demo, audit_balance
) -> None:
    before = app.credits.balance(demo.bob)
    with pytest.raises(PermissionDenied):
        app.credits.recharge(demo.bob, "bob@example.com", 5_000)
    with pytest.raises(PermissionDenied):
        app.credits.recharge(demo.alice, "bob@example.com", 5_000)
    assert audit_balance(app, demo.bob) == (before, before)

    updated = app.credits.recharge(demo.admin, "bob@example.com", 5_000)
    assert updated.tokens_milli == before + 5_000
    assert audit_balance(app, demo.bob) == (before + 5_000, before + 5_000)
    _, entries = app.credits.ledger(demo.admin, "bob@example.com")
    assert entries[-1].reason is LedgerReason.RECHARGE and entries[-1].delta_milli == 5_000
    for bad in (0, -1):
        with pytest.raises(InvalidInput):
            app.credits.recharge(demo.admin, "bob@example.com", bad)
    assert audit_balance(app, demo.bob) == (before + 5_000, before + 5_000)


def test_user_administration_is_for_administrators(app: VideoLab, demo) -> None:
    with pytest.raises(PermissionDenied):
        app.users.create(demo.alice, "eve@example.com", "a long passphrase", "admin")
    with pytest.raises(PermissionDenied):
        app.users.set_role(demo.alice, "alice@example.com", "admin")
    with pytest.raises(PermissionDenied):
        app.users.list(demo.bob)
    assert len(app.users.list(demo.admin)) == 3


def test_cli_admin_commands_refuse_users_with_exit_code_3(app: VideoLab, run_cli) -> None:
    for command in (("tags", "add", "mine"), ("credits", "recharge", "alice@example.com", "5"),
                    ("users", "list")):
        result = run_cli(*command, user="alice@example.com")
        assert result.code == 3, command
        assert len(result.err_lines) == 1 and "administrator" in result.err
    result = run_cli("credits", "recharge", "alice@example.com", "2.5", user="admin@example.com")
    assert result.code == 0 and result.json()["tokens"] == 102.5
    result = run_cli("credits", "recharge", "alice@example.com", "0.0001",
                     user="admin@example.com")
    assert result.code == 1 and len(result.err_lines) == 1


def test_deleting_a_tag_removes_it_from_every_dataset(app: VideoLab, demo) -> None:
    ds = app.datasets.create(demo.bob, "tagged", ["wildlife", "sports"])
    wildlife = next(t for t in app.tags.list(demo.admin) if t.name == "wildlife")
    assert wildlife.dataset_count == 1
    app.tags.delete(demo.admin, wildlife.id)
    assert app.datasets.get(demo.bob, ds.id).tags == ("sports",)
    with pytest.raises(InvalidInput):
        app.datasets.create(demo.bob, "again", ["wildlife"])


def test_the_last_administrator_cannot_be_demoted(app: VideoLab, demo) -> None:
    from videolab.domain.errors import Conflict

    with pytest.raises(Conflict):
        app.users.set_role(demo.admin, "admin@example.com", "user")
    app.users.set_role(demo.admin, "alice@example.com", "admin")
    assert app.users.set_role(demo.admin, "admin@example.com", "user").role is Role.USER
    with pytest.raises(PermissionDenied):  # the role is read from the database at once
        app.users.list(demo.admin)
