"""Sign-in under attack: strong hashes that upgrade themselves, back-off that survives restarts
and cannot be outrun in parallel, no account enumeration by message or timing, tokens that
are random, hashed, expiring and revocable, and huge passwords refused cheaply."""

from __future__ import annotations

import hashlib
import itertools
import re
import statistics
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import update

import videolab.services.auth as auth_module
from tests.hardening.conftest import Lab
from tests.hardening.harness import ALICE, BOB, PASSWORD, raw_connect, run_cli
from videolab.db.models import AuthToken, SignInThrottle, User
from videolab.db.types import utcnow
from videolab.domain.errors import AuthenticationFailed, InvalidInput
from videolab.services.auth import (
    FREE_ATTEMPTS,
    MAX_BACKOFF,
    WRONG_CREDENTIALS,
    backoff_for,
    email_digest,
)
from videolab.services.passwords import hash_password

OWASP_MIN = {"m": 19456, "t": 2, "p": 1}  # argon2id, OWASP Password Storage Cheat Sheet


def argon2_params(encoded: str) -> dict[str, int]:
    match = re.fullmatch(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[^$]+\$[^$]+", encoded)
    assert match, f"not an argon2id hash: {encoded[:30]}..."
    return dict(zip("mtp", map(int, match.groups()), strict=True))


def stored_hash(lab: Lab, email: str) -> str:
    with raw_connect(lab.db) as conn:
        return str(conn.execute("SELECT password FROM users WHERE email = ?",
                                (email,)).fetchone()[0])


def test_hashes_meet_owasp_minimums() -> None:
    params = argon2_params(hash_password("a long enough password"))
    for key, minimum in OWASP_MIN.items():
        assert params[key] >= minimum, (key, params)


def test_a_weaker_hash_is_upgraded_at_the_next_sign_in(lab: Lab) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID)
    with lab.app.db.write() as s:
        s.execute(update(User).where(User.email == ALICE).values(password=weak.hash(PASSWORD)))
    assert argon2_params(stored_hash(lab, ALICE))["m"] == 8192
    with pytest.raises(AuthenticationFailed):
        lab.app.auth.login(ALICE, "not the password")
    assert argon2_params(stored_hash(lab, ALICE))["m"] == 8192  # a failure upgrades nothing
    lab.app.auth.login(ALICE, PASSWORD)
    upgraded = argon2_params(stored_hash(lab, ALICE))
    assert upgraded == argon2_params(hash_password("a long enough password"))
    assert lab.app.auth.login(ALICE, PASSWORD).user.email == ALICE  # and it still verifies


def test_back_off_grows_and_is_capped() -> None:
    waits = [backoff_for(n).total_seconds() for n in range(1, FREE_ATTEMPTS + 12)]
    assert waits[: FREE_ATTEMPTS - 1] == [0] * (FREE_ATTEMPTS - 1)
    assert waits[FREE_ATTEMPTS - 1] > 0
    assert all(b >= a for a, b in itertools.pairwise(waits))
    assert waits[-1] == MAX_BACKOFF.total_seconds()


def test_back_off_survives_a_restart(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    # A long first wait, so that a slow machine cannot see it expire during the test.
    monkeypatch.setattr(auth_module, "backoff_for",
                        lambda n: timedelta(minutes=1) if n >= FREE_ATTEMPTS else timedelta(0))
    for _ in range(FREE_ATTEMPTS):
        with pytest.raises(AuthenticationFailed, match=WRONG_CREDENTIALS):
            lab.app.auth.login(BOB, "wrong password!")
    lab.app.close()
    restarted = lab.reopen()
    try:
        with pytest.raises(AuthenticationFailed, match="Too many failed sign-ins"):
            restarted.auth.login(BOB, PASSWORD)  # even the right password waits
        done = run_cli(lab.home, lab.db, "whoami", user=BOB)  # another process, same answer
        assert done.returncode == 3 and "Too many failed sign-ins" in done.stderr
        # Once the wait is over the right password works and the count starts again.
        with restarted.db.write() as s:
            s.execute(update(SignInThrottle).where(SignInThrottle.email_digest == email_digest(BOB))
                      .values(locked_until=utcnow() - timedelta(seconds=1)))
        restarted.auth.login(BOB, PASSWORD)
        with raw_connect(lab.db) as conn:
            assert conn.execute("SELECT count(*) FROM sign_in_throttle").fetchone() == (0,)
    finally:
        restarted.close()


@pytest.mark.timeout(120)
def test_back_off_cannot_be_outrun_by_parallel_guesses(lab: Lab) -> None:
    """Twelve guesses at once must not all be checked: each attempt takes its turn at the
    failure counter before the (slow) password check."""
    guesses = 12
    barrier = threading.Barrier(guesses)
    answers: list[str] = []

    def guess(i: int) -> None:
        barrier.wait()
        try:
            lab.app.auth.login(BOB, f"guess number {i}")
            answers.append("signed in?!")
        except AuthenticationFailed as exc:
            answers.append(exc.message)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(guesses)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    checked = answers.count(WRONG_CREDENTIALS)
    assert len(answers) == guesses
    assert checked <= FREE_ATTEMPTS, f"{checked} guesses were checked, back-off allows " \
                                     f"{FREE_ATTEMPTS}: {answers}"
    assert all(a == WRONG_CREDENTIALS or a.startswith("Too many failed") for a in answers)


def _login_seconds(lab: Lab, email: str, password: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    try:
        lab.app.auth.login(email, password)
    except AuthenticationFailed as exc:
        return time.perf_counter() - t0, exc.message
    raise AssertionError("signed in with a wrong password")


def test_unknown_user_and_wrong_password_look_the_same(lab: Lab) -> None:
    unknown, wrong = [], []
    messages = set()
    for i in range(FREE_ATTEMPTS - 1):  # stay below the back-off threshold
        seconds, message = _login_seconds(lab, f"nobody{i}@example.com", "some password")
        unknown.append(seconds)
        messages.add(message)
        seconds, message = _login_seconds(lab, ALICE, f"wrong password {i}")
        wrong.append(seconds)
        messages.add(message)
    assert messages == {WRONG_CREDENTIALS}
    ratio = statistics.median(unknown) / statistics.median(wrong)
    assert 1 / 3 < ratio < 3, f"unknown user {unknown} vs wrong password {wrong}"


def test_a_back_off_does_not_reveal_whether_an_account_exists(lab: Lab) -> None:
    """An address without an account backs off exactly like a real one, with the same words,
    so "Too many failed sign-ins" does not tell an attacker which addresses are accounts."""
    answers: dict[str, list[str]] = {}
    for email in (BOB, "nobody-at-all@example.com"):
        answers[email] = []
        for i in range(FREE_ATTEMPTS + 1):
            try:
                lab.app.auth.login(email, f"wrong guess {i}")
            except AuthenticationFailed as exc:
                answers[email].append(re.sub(r"\d+ s\.$", "N s.", exc.message))
    assert answers[BOB] == answers["nobody-at-all@example.com"], answers
    assert answers[BOB][-1].startswith("Too many failed sign-ins")
    # Only digests are kept, never the addresses someone tried.
    with raw_connect(lab.db) as conn:
        rows = conn.execute("SELECT email_digest FROM sign_in_throttle").fetchall()
    assert sorted(r[0] for r in rows) == sorted(email_digest(e) for e in answers)
    assert not any("@" in r[0] for r in rows)


def test_old_counters_are_forgotten(lab: Lab) -> None:
    with pytest.raises(AuthenticationFailed):
        lab.app.auth.login("typo@example.com", "wrong password!")
    with lab.app.db.write() as s:
        s.execute(update(SignInThrottle).values(updated_at=utcnow() - timedelta(days=2)))
    with pytest.raises(AuthenticationFailed):
        lab.app.auth.login(BOB, "wrong password!")  # any sign-in sweeps the stale rows
    with raw_connect(lab.db) as conn:
        rows = conn.execute("SELECT email_digest FROM sign_in_throttle").fetchall()
    assert [r[0] for r in rows] == [email_digest(BOB)]


def test_session_tokens_are_random_hashed_expiring_and_revocable(lab: Lab) -> None:
    tokens = [lab.app.auth.login(ALICE, PASSWORD, remember=True).session_token
              for _ in range(4)]
    assert all(t is not None and len(t) >= 43 for t in tokens)  # >= 256 random bits
    assert len(set(tokens)) == len(tokens)
    raw = b"".join(p.read_bytes() for p in Path(lab.db).parent.glob(Path(lab.db).name + "*"))
    with raw_connect(lab.db) as conn:
        stored = {h for (h,) in conn.execute("SELECT token_hash FROM auth_tokens")}
    for token in tokens:
        assert token is not None
        assert token.encode() not in raw  # never stored in the clear
        assert hashlib.sha256(token.encode()).hexdigest() in stored
        assert lab.app.auth.login_with_token(token).email == ALICE
    first, second, third, fourth = (t or "" for t in tokens)
    lab.app.auth.revoke_token(first)
    with pytest.raises(AuthenticationFailed):
        lab.app.auth.login_with_token(first)
    with lab.app.db.write() as s:
        s.execute(update(AuthToken).where(
            AuthToken.token_hash == hashlib.sha256(second.encode()).hexdigest())
            .values(expires_at=utcnow() - timedelta(seconds=1)))
    with pytest.raises(AuthenticationFailed):
        lab.app.auth.login_with_token(second)
    lab.app.auth.login_with_token(third)
    lab.app.auth.change_password(lab.alice, PASSWORD, "a brand new password")
    for token in (third, fourth):
        with pytest.raises(AuthenticationFailed):
            lab.app.auth.login_with_token(token)
    with pytest.raises(AuthenticationFailed):
        lab.app.auth.login_with_token("made-up-" + "x" * 40)


@pytest.mark.timeout(60)
def test_a_huge_password_is_refused_cleanly_and_fast(lab: Lab) -> None:
    huge = "p" * (1 << 20)
    for action in (
        lambda: lab.app.auth.login(ALICE, huge),
        lambda: lab.app.auth.login("nobody@example.com", huge),
        lambda: lab.app.auth.change_password(lab.alice, PASSWORD, huge),
        lambda: lab.app.users.create(lab.admin, "dave@example.com", huge, "user"),
        lambda: lab.app.auth.create_first_admin("eve@example.com", huge),
    ):
        t0 = time.perf_counter()
        with pytest.raises(InvalidInput, match="at most"):
            action()
        assert time.perf_counter() - t0 < 0.5
    # A refused huge password does not count as a failed sign-in either way.
    assert lab.app.auth.login(ALICE, PASSWORD).user.email == ALICE
